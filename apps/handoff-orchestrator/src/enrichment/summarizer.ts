import type { DerivedSourceSchema, TranscriptEntry } from '@hub/contracts';
import type { z } from 'zod';

/** Which source produced a derived value (`bot`, `library`, `llm`, `none`). */
export type DerivedSource = z.infer<typeof DerivedSourceSchema>;

/** What a summarizer gets: the bot conversation so far and what the bot knows about it. */
export interface SummaryInput {
  transcript: readonly TranscriptEntry[];
  intent?: string | null;
  escalationReason?: string | null;
}

/** A summarizer: returns the summary text, or null when there is nothing to summarize. */
export interface Summarizer {
  /** @returns the summary text, or null when there is nothing to summarize */
  summarize(input: SummaryInput): Promise<string | null>;
}
