import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toWords } from 'number-to-words';

const run = promisify(execFile);

/**
 * Normalises a transcript for word error rate scoring, the same way for reference and hypothesis: lower case,
 * `&` → "and", `%` → "percent", digit groups spelled out as words (`number-to-words`; "4" → "four", "41518" →
 * "forty-one thousand five hundred eighteen", hyphens then split), every other character that is not a letter,
 * digit or in-word apostrophe becomes a space. Recognizers write numbers as words, so written references with
 * digits would otherwise count as errors that are only spelling.
 * @returns space-separated words (possibly empty)
 */
export function normalizeForWer(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/%/g, ' percent ')
    .replace(
      /\d+/g,
      (d) =>
        ` ${
          d.length > 15
            ? d
                .split('')
                .map((c) => toWords(Number(c)))
                .join(' ')
            : toWords(Number(d))
        } `,
    )
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** One scored utterance: id (letters, digits, `-`, `_`), reference and hypothesis text (normalised here). */
export interface WerPair {
  id: string;
  reference: string;
  hypothesis: string;
}

/** Word error rate summary as NIST sclite reports it (`Sum/Avg` row), percentages of reference words. */
export interface WerSummary {
  sentences: number;
  referenceWords: number;
  correct: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  /** (S + D + I) / N × 100. */
  wer: number;
  /** Share of sentences with at least one error, %. */
  sentenceErrorRate: number;
}

/**
 * Scores hypotheses against references with NIST SCTK's `sclite` (Debian package `sctk`, run as `sctk sclite`):
 * both sides normalised with {@link normalizeForWer}, written as `trn` files (`text (speaker_id)`), aligned by
 * sclite's dynamic-programming string alignment (`-i rm`), and its `Sum/Avg` summary row parsed.
 * @param sctk the `sctk` dispatcher executable (default `sctk`)
 * @throws Error when sclite is missing or its summary cannot be parsed, or when there are no pairs
 */
export async function scoreWer(pairs: readonly WerPair[], sctk = 'sctk'): Promise<WerSummary> {
  if (!pairs.length) throw new Error('scoreWer: no utterances');
  const dir = await mkdtemp(join(tmpdir(), 'hub-wer-'));
  try {
    // sclite takes the speaker from the id up to the first "_" or "-": one speaker "u" for all
    const line = (text: string, i: number) => `${normalizeForWer(text)} (u_${i})\n`;
    await writeFile(join(dir, 'ref.trn'), pairs.map((p, i) => line(p.reference, i)).join(''));
    await writeFile(join(dir, 'hyp.trn'), pairs.map((p, i) => line(p.hypothesis, i)).join(''));
    const { stdout } = await run(
      sctk,
      [
        'sclite',
        '-r',
        join(dir, 'ref.trn'),
        'trn',
        '-h',
        join(dir, 'hyp.trn'),
        'trn',
        '-i',
        'rm',
        '-o',
        'sum',
        'stdout',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const row = stdout.split('\n').find((l) => l.includes('Sum/Avg'));
    // "| Sum/Avg|  # Snt # Wrd | Corr Sub Del Ins Err S.Err |"
    const cells = row?.split('|') ?? [];
    const head = cells[2]?.trim().split(/\s+/).map(Number);
    const nums = cells[3]?.trim().split(/\s+/).map(Number);
    if (!row || !nums || nums.length < 6 || !head || head.length < 2 || [...nums, ...head].some(Number.isNaN))
      throw new Error(`scoreWer: no Sum/Avg row in sclite output:\n${stdout.slice(-2000)}`);
    return {
      sentences: head[0],
      referenceWords: head[1],
      correct: nums[0],
      substitutions: nums[1],
      deletions: nums[2],
      insertions: nums[3],
      wer: nums[4],
      sentenceErrorRate: nums[5],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
