import { resolveAssistTarget } from './assist-target';
import { chunkSection } from './chunker';
import { denseConfidence, retrievalConfidence } from './confidence';
import { denseQueryText } from './conversation-query';
import { extractiveAnswer } from './extractive-answer';
import { buildAnswerMessages, DEFAULT_SYSTEM_PROMPT } from './prompt';
import { suggestionIdFor } from './suggestion-id';

describe('resolveAssistTarget (queue-to-KB mapping, seed 001)', () => {
  const defaults = {
    defaultKnowledgeBaseId: 'kb-default',
    defaultSystemPrompt: 'default prompt',
    llmIntegrationId: 'llm-default',
  };
  it('uses the mapping; its LLM overrides the tenant default', () => {
    expect(
      resolveAssistTarget(
        'Billing',
        { knowledgeBaseId: 'kb-b', systemPrompt: 'billing prompt', llmIntegrationId: 'llm-b' },
        defaults,
      ),
    ).toEqual({
      knowledgeBaseId: 'kb-b',
      systemPrompt: 'billing prompt',
      llmIntegrationId: 'llm-b',
      via: 'mapping',
      queue: 'Billing',
    });
  });
  it('falls back to the tenant prompt and LLM when the mapping leaves them empty', () => {
    const t = resolveAssistTarget(
      'q',
      { knowledgeBaseId: 'kb-b', systemPrompt: ' ', llmIntegrationId: null },
      defaults,
    );
    expect(t).toMatchObject({
      knowledgeBaseId: 'kb-b',
      systemPrompt: 'default prompt',
      llmIntegrationId: 'llm-default',
    });
  });
  it('uses the tenant default when no mapping matches, and nothing without a default KB', () => {
    expect(resolveAssistTarget('other', null, defaults)).toMatchObject({
      knowledgeBaseId: 'kb-default',
      via: 'default',
    });
    expect(resolveAssistTarget(null, null, { ...defaults, defaultKnowledgeBaseId: null })).toBeNull();
  });
});

describe('chunkSection', () => {
  it('packs paragraphs up to the limit and splits long ones at sentences', () => {
    const long = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const chunks = chunkSection('T', `Short intro.\n\n${long}`, 200);
    expect(chunks.every((c) => c.text.length <= 200 && c.title === 'T')).toBe(true);
    expect(chunks[0].text.startsWith('Short intro. Sentence number 0')).toBe(true);
    expect(chunks.map((c) => c.text).join(' ')).toBe(`Short intro. ${long}`);
  });
  it('yields nothing for blank text', () => {
    expect(chunkSection('T', ' \n\n ')).toEqual([]);
  });
});

describe('retrievalConfidence', () => {
  it('is 0 without a match and grows with coverage and margin', () => {
    expect(retrievalConfidence(0, 0, 10, false)).toBe(0);
    const weak = retrievalConfidence(2, 1.9, 10, false);
    const strong = retrievalConfidence(9, 2, 10, false);
    expect(strong).toBeGreaterThan(weak);
    expect(retrievalConfidence(9, 2, 10, true)).toBeGreaterThan(strong);
    expect(retrievalConfidence(50, 0, 10, true)).toBeLessThanOrEqual(1);
  });
});

describe('extractiveAnswer', () => {
  const p = (documentId: string, text: string, score: number) => ({
    chunkId: documentId,
    documentId,
    title: documentId,
    text,
    score,
  });
  it('answers with the best passage, adding a close runner-up from another document', () => {
    expect(extractiveAnswer([p('a', 'Parking is free.', 5), p('b', 'It is on site.', 4)])).toBe(
      'Parking is free. It is on site.',
    );
    expect(extractiveAnswer([p('a', 'Parking is free.', 5), p('b', 'Unrelated.', 1)])).toBe(
      'Parking is free.',
    );
    expect(extractiveAnswer([])).toBe('');
  });
  it('caps the length at a word boundary', () => {
    const a = extractiveAnswer([p('a', 'word '.repeat(300), 1)], 50);
    expect(a.length).toBeLessThanOrEqual(50);
    expect(a.endsWith('…')).toBe(true);
  });
});

describe('buildAnswerMessages', () => {
  it('puts the mapped system prompt first and the passages and question in the user message', () => {
    const m = buildAnswerMessages(
      'Be brief.',
      [{ utteranceId: '1', speaker: 'customer', text: 'Is parking free?' }],
      [{ chunkId: 'c', documentId: 'd', title: 'Parking', text: 'Parking is free.', score: 1 }],
      'Is parking free?',
    );
    expect(m[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(m[1].content).toContain('[1] Parking\nParking is free.');
    expect(m[1].content).toContain('Customer question: Is parking free?');
    expect(buildAnswerMessages(null, [], [], 'q')[0].content).toBe(DEFAULT_SYSTEM_PROMPT);
  });
});

describe('suggestionIdFor', () => {
  it('is a stable UUID per (tenant, interaction, utterance)', () => {
    const a = suggestionIdFor('acme', 'i1', 'u1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(suggestionIdFor('acme', 'i1', 'u1')).toBe(a);
    expect(suggestionIdFor('globex', 'i1', 'u1')).not.toBe(a);
    expect(suggestionIdFor('acme', 'i2', 'u1')).not.toBe(a);
  });
});

describe('dense retrieval helpers', () => {
  it('embeds the last two customer turns, oldest first, without agent turns', () => {
    expect(
      denseQueryText([
        { utteranceId: '1', speaker: 'customer', text: 'I need a hotel in the north.' },
        { utteranceId: '2', speaker: 'agent', text: 'Sure, any budget?' },
        { utteranceId: '3', speaker: 'customer', text: 'Cheap. ' },
        { utteranceId: '4', speaker: 'customer', text: 'Does it have parking?' },
      ]),
    ).toBe('Cheap.\nDoes it have parking?');
    expect(denseQueryText([{ utteranceId: '1', speaker: 'agent', text: 'Hello' }])).toBe('');
  });
  it('gives dense-only evidence half its cosine, at most 0.5', () => {
    expect(denseConfidence(0.8)).toBe(0.4);
    expect(denseConfidence(1)).toBe(0.5);
    expect(denseConfidence(-0.2)).toBe(0);
    expect(denseConfidence(null)).toBe(0);
  });
});
