import { AssistSuggestionSchema, ConversationEventSchema } from '@hub/contracts';
import { mapCcaiPayload, resourceId } from './ccai-mapper';

const conversation = 'projects/globex-prj/locations/global/conversations/conv-42';

describe('mapCcaiPayload — Dialogflow ConversationEvent', () => {
  it('maps lifecycle types', () => {
    for (const [type, state] of [
      ['CONVERSATION_STARTED', 'started'],
      ['HUMAN_INTERVENTION_NEEDED', 'queued'],
      ['CONVERSATION_FINISHED', 'ended'],
    ]) {
      const r = mapCcaiPayload({ conversation, type }, 'm1');
      expect(r).toEqual({
        kind: 'conversation',
        events: [{ kind: 'lifecycle', interactionId: 'conv-42', provider: 'ccai', state, vendorEvent: type }],
      });
      if (r.kind === 'conversation')
        expect(ConversationEventSchema.safeParse(r.events[0]).success).toBe(true);
    }
  });

  it('maps NEW_MESSAGE to a final utterance with the speaker from the participant role', () => {
    const customer = mapCcaiPayload(
      {
        conversation,
        type: 'NEW_MESSAGE',
        newMessagePayload: {
          name: `${conversation}/messages/msg-7`,
          content: 'My order never arrived, can I get a refund?',
          languageCode: 'en-US',
          participant: `${conversation}/participants/end-user-1`,
          participantRole: 'END_USER',
          createTime: '2026-11-21T10:00:00Z',
        },
      },
      'm2',
    );
    expect(customer).toEqual({
      kind: 'conversation',
      events: [
        {
          kind: 'utterance',
          interactionId: 'conv-42',
          provider: 'ccai',
          utteranceId: 'msg-7',
          speaker: 'customer',
          text: 'My order never arrived, can I get a refund?',
          isFinal: true,
          language: 'en-US',
        },
      ],
    });
    const agent = mapCcaiPayload(
      {
        conversation,
        type: 'NEW_MESSAGE',
        newMessagePayload: {
          content: 'Let me check.',
          participant: `${conversation}/participants/agent-9`,
          participantRole: 'HUMAN_AGENT',
        },
      },
      'm3',
    );
    expect(agent).toMatchObject({ events: [{ speaker: 'agent', agentId: 'agent-9', utteranceId: 'm3' }] });
  });

  it('ignores other event types and rejects malformed payloads naming the field', () => {
    expect(mapCcaiPayload({ conversation, type: 'UNRECOVERABLE_ERROR' }, 'm')).toEqual({
      kind: 'ignored',
      vendorEvent: 'UNRECOVERABLE_ERROR',
    });
    expect(mapCcaiPayload({ conversation, type: 'NEW_MESSAGE' }, 'm')).toMatchObject({
      kind: 'invalid',
      detail: expect.stringContaining('newMessagePayload'),
    });
    expect(mapCcaiPayload({ type: 'CONVERSATION_STARTED' }, 'm')).toMatchObject({
      kind: 'invalid',
      detail: expect.stringContaining('data.conversation'),
    });
    expect(mapCcaiPayload({ hello: 'world' }, 'm')).toMatchObject({ kind: 'invalid' });
    expect(mapCcaiPayload('text', 'm')).toMatchObject({ kind: 'invalid' });
  });
});

describe('mapCcaiPayload — Agent Assist HumanAgentAssistantEvent', () => {
  it('passes FAQ, article, smart reply, knowledge assist and Dialogflow assist answers through as suggestions', () => {
    const r = mapCcaiPayload(
      {
        conversation,
        participant: `${conversation}/participants/agent-9`,
        suggestionResults: [
          {
            suggestFaqAnswersResponse: {
              faqAnswers: [
                {
                  answer: 'Refunds are issued within 5 business days.',
                  confidence: 0.82,
                  question: 'How long do refunds take?',
                  source: 'projects/p/knowledgeBases/kb/documents/faq',
                },
              ],
              latestMessage: `${conversation}/messages/msg-7`,
            },
          },
          {
            suggestArticlesResponse: {
              articleAnswers: [
                {
                  title: 'Refund policy',
                  uri: 'https://example.com/refunds',
                  snippets: ['Refunds within 5 days'],
                  confidence: 0.6,
                },
              ],
              latestMessage: `${conversation}/messages/msg-7`,
            },
          },
          {
            suggestSmartRepliesResponse: {
              smartReplyAnswers: [{ reply: 'I can help with that.', confidence: 1.4 }],
            },
          },
          {
            suggestKnowledgeAssistResponse: {
              knowledgeAssistAnswer: {
                suggestedQuery: { queryText: 'refund time' },
                suggestedQueryAnswer: {
                  answerText: 'Five business days.',
                  generativeSource: { snippets: [{ uri: 'gs://kb/refunds.pdf', title: 'Refunds' }] },
                },
              },
            },
          },
          {
            suggestDialogflowAssistsResponse: {
              dialogflowAssistAnswers: [
                { queryResult: { fulfillmentText: 'Offer a refund.', intentDetectionConfidence: 0.9 } },
              ],
            },
          },
          { error: { code: 8, message: 'quota' } },
        ],
      },
      'm4',
    );
    expect(r.kind).toBe('suggestions');
    if (r.kind !== 'suggestions') return;
    expect(r.interactionId).toBe('conv-42');
    expect(r.suggestions.map((s) => [s.feature, s.answer])).toEqual([
      ['faq', 'Refunds are issued within 5 business days.'],
      ['article', 'Refund policy\nRefunds within 5 days'],
      ['smart_reply', 'I can help with that.'],
      ['knowledge_assist', 'Five business days.'],
      ['dialogflow_assist', 'Offer a refund.'],
    ]);
    expect(r.suggestions[0]).toMatchObject({
      utteranceId: 'msg-7',
      confidence: 0.82,
      sources: [{ title: 'How long do refunds take?' }],
    });
    expect(r.suggestions[2].confidence).toBe(1); // clamped to [0, 1]
    const { feature: _f, ...rest } = r.suggestions[0];
    expect(
      AssistSuggestionSchema.safeParse({
        ...rest,
        suggestionId: '00000000-0000-4000-8000-000000000000',
        generator: 'dialogflow',
        timings: { retrievalMs: 0, generationMs: 0, totalMs: 0 },
      }).success,
    ).toBe(true);
  });
});

describe('resourceId', () => {
  it('returns the last path segment', () => {
    expect(resourceId(conversation)).toBe('conv-42');
    expect(resourceId('plain')).toBe('plain');
  });
});
