/**
 * Tenant vocabulary from the knowledge base, with and without (`npm run eval:vocabulary`): the entity names of
 * the knowledge base (`--kb`, rows `{entity?}`) become the vocabulary ({@link vocabularyFromEntityNames}); the
 * customer turns of a spoken set built by `npm run eval:spoken-set` (`--spoken`, recognized `text` + `written`)
 * are corrected by {@link VocabularyCorrector}. Printed per threshold pair: customer-turn WER (sclite) without and
 * with the vocabulary, entity mentions of the written turns found verbatim in the recognized text without and
 * with, and the corrections the vocabulary makes on the **written** turns (each one a false correction: the
 * customer typed those words) — the cost side.
 *
 * Options: --kb PATH · --spoken PATH · --json PATH · --grid (also try other thresholds; the default pair is
 * always printed first) · --out PATH (the spoken set with the customer turns corrected at the default thresholds,
 * as the connector would publish them: input for `npm run eval:retrieval`).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { VocabularyCorrector, vocabularyFromEntityNames } from '../domain/vocabulary-corrector';
import { normalizeForWer, scoreWer, type WerPair } from './wer';

interface Turn {
  speaker: string;
  text: string;
  written?: string;
}

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function main() {
  const { values } = parseArgs({
    options: {
      kb: { type: 'string', default: '../shared/data/retrieval/knowledge.jsonl' },
      spoken: { type: 'string', default: 'apps/suggestion-service/eval-data/dev-spoken.jsonl' },
      json: { type: 'string' },
      grid: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const entities = new Set<string>();
  for (const r of lines(values.kb))
    if (typeof r['entity'] === 'string' && r['entity']) entities.add(r['entity']);
  const vocabulary = vocabularyFromEntityNames(entities);
  const turns: { id: string; heard: string; written: string }[] = [];
  for (const d of lines(values.spoken))
    (d['turns'] as Turn[]).forEach((t, i) => {
      if (t.written !== undefined)
        turns.push({ id: `${String(d['id'])}-${i}`, heard: t.text, written: t.written });
    });
  const mentions = (t: { written: string }) =>
    vocabulary.filter((p) => ` ${normalizeForWer(t.written)} `.includes(` ${normalizeForWer(p)} `));
  const found = (text: string, phrase: string) =>
    ` ${normalizeForWer(text)} `.includes(` ${normalizeForWer(phrase)} `);
  const totalMentions = turns.reduce((n, t) => n + mentions(t).length, 0);
  const foundRaw = turns.reduce((n, t) => n + mentions(t).filter((p) => found(t.heard, p)).length, 0);
  const raw = await scoreWer(
    turns.map((t): WerPair => ({ id: t.id, reference: t.written, hypothesis: t.heard })),
  );
  const pairs: [number, number][] = [[0.2, 0.34]];
  if (values.grid) pairs.push([0.15, 0.3], [0.15, 0.34], [0.2, 0.3], [0.25, 0.34], [0.25, 0.4]);
  const rows = [];
  for (const [close, soundsAlike] of pairs) {
    const corrector = new VocabularyCorrector(vocabulary, { close, soundsAlike });
    const corrected = turns.map((t) => ({ ...t, fixed: corrector.correct(t.heard) }));
    const wer = await scoreWer(
      corrected.map((t): WerPair => ({ id: t.id, reference: t.written, hypothesis: t.fixed.text })),
    );
    const foundFixed = corrected.reduce(
      (n, t) => n + mentions(t).filter((p) => found(t.fixed.text, p)).length,
      0,
    );
    const falseOnWritten = turns.flatMap((t) => corrector.correct(t.written).corrections);
    rows.push({
      close,
      soundsAlike,
      werWithout: raw.wer,
      werWith: wer.wer,
      mentions: totalMentions,
      foundWithout: foundRaw,
      foundWith: foundFixed,
      corrections: corrected.reduce((n, t) => n + t.fixed.corrections.length, 0),
      falseCorrectionsOnWritten: falseOnWritten.length,
      falseExamples: falseOnWritten.slice(0, 5),
      examples: corrected.flatMap((t) => t.fixed.corrections).slice(0, 12),
    });
  }
  console.log(
    `${turns.length} customer turns, ${totalMentions} entity mentions, vocabulary of ${vocabulary.length} phrases\n`,
  );
  console.log(
    '| close | sounds alike | WER without % | WER with % | mentions found without | with | corrections | false corrections on written turns |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.close} | ${r.soundsAlike} | ${r.werWithout.toFixed(1)} | ${r.werWith.toFixed(1)} | ${r.foundWithout}/${r.mentions} | ${r.foundWith}/${r.mentions} | ${r.corrections} | ${r.falseCorrectionsOnWritten} |`,
    );
  console.log('\nexamples (default thresholds):', JSON.stringify(rows[0].examples, null, 1));
  console.log('false corrections on written turns:', JSON.stringify(rows[0].falseExamples));
  if (values.out) {
    const corrector = new VocabularyCorrector(vocabulary);
    writeFileSync(values.out, '');
    for (const d of lines(values.spoken))
      appendFileSync(
        values.out,
        JSON.stringify({
          ...d,
          turns: (d['turns'] as Turn[]).map((t) =>
            t.written === undefined ? t : { ...t, text: corrector.correct(t.text).text },
          ),
        }) + '\n',
      );
  }
  if (values.json)
    writeFileSync(values.json, JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
