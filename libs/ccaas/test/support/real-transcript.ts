import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA_DIR } from '@hub/testing';
import type { ContextMessage } from '../../src/core/target';

/**
 * A long real transcript: customer/agent turns of the DSTC11 track 5 conversations in
 * `../shared/data/retrieval/dev.jsonl` (alexa/dstc11-track5 @ 1419e96d, data/val; CDLA-Sharing-1.0), joined until
 * it has at least `minMessages` lines; the data set's agent turns play the bot. Timestamps 1 s apart.
 */
export function realTranscript(minMessages: number): ContextMessage[] {
  const rows = readFileSync(join(SHARED_DATA_DIR, 'retrieval', 'dev.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const out: ContextMessage[] = [];
  const t0 = Date.parse('2026-12-01T10:00:00Z');
  for (const row of rows) {
    const d = JSON.parse(row) as { turns: { speaker: string; text: string }[] };
    for (const t of d.turns) {
      out.push({
        role: t.speaker === 'customer' ? 'customer' : 'bot',
        text: t.text,
        at: new Date(t0 + out.length * 1000).toISOString(),
      });
    }
    if (out.length >= minMessages) break;
  }
  return out;
}
