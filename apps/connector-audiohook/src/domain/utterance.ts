import { v5 as uuidv5 } from 'uuid';
import type { ConversationEvent } from '@hub/contracts';
import type { RecognizedUtterance } from '../stt/speech-to-text';
import { speakerOf } from './media-selection';
import { msToDuration, type MediaChannel, type TranscriptEntity } from './protocol.schema';

/** UUID v5 namespace of connector-audiohook event ids (fixed: ids are stable across replicas and restarts). */
export const AUDIOHOOK_EVENT_NAMESPACE = '6f1d2a56-0c1e-4f7c-9b7e-6a0f5c3e2d11';

/** Deterministic utterance id: `<sessionId>:<channel>:<n>` (n = 1, 2, … per channel). */
export function utteranceIdOf(sessionId: string, channel: MediaChannel, n: number): string {
  return `${sessionId}:${channel}:${n}`;
}

/** Deterministic envelope id of an event (UUID v5 of its dedupe key), so a re-publish has the same id. */
export function eventIdOf(key: string): string {
  return uuidv5(key, AUDIOHOOK_EVENT_NAMESPACE);
}

/** Input of {@link utteranceEvent}. */
export interface UtteranceContext {
  /** Genesys conversation id from `open` = the hub's interaction id. */
  interactionId: string;
  sessionId: string;
  channel: MediaChannel;
  /** 1-based count of final utterances on this channel. */
  n: number;
  language?: string;
}

/**
 * Maps a final utterance of one channel to a normalized `conversation.event` (`kind: 'utterance'`):
 * speaker from the channel (`external` → customer, `internal` → agent), offset and duration in ms
 * from the start of the AudioHook audio stream.
 */
export function utteranceEvent(ctx: UtteranceContext, u: RecognizedUtterance): ConversationEvent {
  return {
    kind: 'utterance',
    interactionId: ctx.interactionId,
    provider: 'genesys',
    utteranceId: utteranceIdOf(ctx.sessionId, ctx.channel, ctx.n),
    speaker: speakerOf(ctx.channel),
    text: u.text,
    isFinal: true,
    offsetMs: Math.max(0, u.startMs),
    durationMs: Math.max(0, u.endMs - u.startMs),
    ...(u.confidence !== undefined ? { confidence: Math.min(1, Math.max(0, u.confidence)) } : {}),
    ...(ctx.language ? { language: ctx.language } : {}),
  };
}

/** The same utterance as an AudioHook `transcript` event entity (sent back to Genesys when enabled). */
export function transcriptEntity(ctx: UtteranceContext, u: RecognizedUtterance): TranscriptEntity {
  const confidence = Math.min(1, Math.max(0, u.confidence ?? 0));
  return {
    type: 'transcript',
    data: {
      id: eventIdOf(utteranceIdOf(ctx.sessionId, ctx.channel, ctx.n)),
      channel: ctx.channel,
      isFinal: true,
      offset: msToDuration(u.startMs),
      duration: msToDuration(u.endMs - u.startMs),
      alternatives: [
        {
          confidence,
          ...(ctx.language ? { languages: [ctx.language] } : {}),
          interpretations: [
            {
              type: 'display',
              transcript: u.text,
              tokens: u.words.map((w) => ({
                type: 'word' as const,
                value: w.word,
                confidence: w.confidence,
                offset: msToDuration(w.startMs),
                duration: msToDuration(w.endMs - w.startMs),
                ...(ctx.language ? { language: ctx.language } : {}),
              })),
            },
          ],
        },
      ],
    },
  };
}
