import type { TranscriptEntry } from '@hub/contracts';

/**
 * Default α of {@link normalizeValence}: the value VADER uses (Hutto & Gilbert, ICWSM 2014,
 * `normalize(score, alpha=15)`), which also suits AFINN's -5…+5 word valences.
 */
export const VALENCE_ALPHA = 15;

/**
 * Maps an unbounded sum of word valences (AFINN-165: each word -5…+5) into the open interval
 * (-1, 1) with VADER's normalization `x / sqrt(x² + α)`: 0 → 0; ±1 → ±0.25; ±3 → ±0.61; ±8 → ±0.90;
 * monotonic, symmetric, saturating for long angry/happy messages instead of clipping.
 * Result rounded to 4 decimals.
 */
export function normalizeValence(score: number, alpha: number = VALENCE_ALPHA): number {
  if (!Number.isFinite(score) || score === 0) return 0;
  return Math.round((score / Math.sqrt(score * score + alpha)) * 10_000) / 10_000;
}

/**
 * The customer's most recent words: the text of the last `n` `user` transcript entries, oldest
 * first, joined by newlines. "Sentiment at the time of escalation" is about how the customer
 * feels now, not an hour ago. Empty string when the customer said nothing.
 */
export function recentCustomerText(transcript: readonly TranscriptEntry[], n = 5): string {
  return transcript
    .filter((t) => t.role === 'user' && t.text.trim().length > 0)
    .slice(-n)
    .map((t) => t.text.trim())
    .join('\n');
}
