import type { ConversationMessage, TranscriptEntry } from '@hub/contracts';

/** One line of the conversation as the desktop shows it. */
export type TimelineEntry =
  | { source: 'bot_transcript'; role: TranscriptEntry['role']; text: string; at: string }
  | { source: 'live'; message: ConversationMessage; at: string };

/**
 * The conversation history of a work item: the bot transcript (as handed off, in its order) followed
 * by the live messages after the handoff, in `sentAt` order (ties keep log order). Typing
 * indicators are not history and are dropped.
 */
export function buildTimeline(
  transcript: readonly TranscriptEntry[],
  live: readonly ConversationMessage[],
): TimelineEntry[] {
  const bot: TimelineEntry[] = transcript.map((t) => ({
    source: 'bot_transcript',
    role: t.role,
    text: t.text,
    at: t.timestamp,
  }));
  const after = live
    .filter((m) => m.kind !== 'typing')
    .map((m, i) => ({ m, i, t: Date.parse(m.sentAt) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map(({ m }): TimelineEntry => ({ source: 'live', message: m, at: m.sentAt }));
  return [...bot, ...after];
}
