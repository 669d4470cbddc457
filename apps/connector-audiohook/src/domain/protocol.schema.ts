import { z } from 'zod';

/**
 * Genesys Cloud AudioHook protocol, version 2: message shapes (zod).
 *
 * Every text message is a JSON object with `version: "2"`, `id` (session id, a UUID), `type`, `seq`
 * and `parameters`. Client → server messages also carry `serverseq` (last server seq seen) and
 * `position` (audio stream position, ISO 8601 duration); server → client messages carry `clientseq`
 * (last client seq processed). Binary frames carry audio in the media format selected in `opened`.
 *
 * Parameters are parsed leniently (unknown keys are kept) so newer clients stay compatible.
 */

/** ISO 8601 duration as AudioHook uses it: `PT<seconds>S`, seconds a non-negative decimal (e.g. `PT1.25S`). */
export const DurationSchema = z
  .string()
  .regex(/^PT\d+(\.\d+)?S$/, 'must be an ISO 8601 duration PT<seconds>S');

/** Any 8-4-4-4-12 hex UUID, including the nil UUID used by connection probes. */
export const UuidSchema = z.guid();

/** The nil UUID: `conversationId` of a connection probe. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export const MediaChannelSchema = z.enum(['external', 'internal']);
export type MediaChannel = z.infer<typeof MediaChannelSchema>;

/** One offered medium as sent by the client (kept loose: we select among those we support). */
export const OfferedMediumSchema = z.looseObject({
  type: z.string(),
  format: z.string(),
  channels: z.array(z.string()),
  rate: z.number(),
});
export type OfferedMedium = z.infer<typeof OfferedMediumSchema>;

/** A medium this server accepts: audio, PCMU (G.711 μ-law) or L16 (16-bit linear, little-endian), 8000 Hz. */
export interface SelectedMedium {
  type: 'audio';
  format: 'PCMU' | 'L16';
  /** Channel order = interleaving order of samples in binary frames. */
  channels: MediaChannel[];
  /** Sample rate, Hz. */
  rate: 8000;
}

const ClientBase = z.object({
  version: z.literal('2'),
  id: UuidSchema,
  seq: z.number().int().min(1),
  serverseq: z.number().int().min(0),
  position: DurationSchema,
});

export const OpenParametersSchema = z.looseObject({
  organizationId: UuidSchema,
  conversationId: UuidSchema,
  participant: z.looseObject({
    id: z.string().optional(),
    ani: z.string().optional(),
    aniName: z.string().optional(),
    dnis: z.string().optional(),
  }),
  media: z.array(OfferedMediumSchema),
  language: z.string().max(35).optional(),
  supportedLanguages: z.boolean().optional(),
  /**
   * Sessions this one continues (AudioHook reconnection: the client answered a server `reconnect` by opening
   * this session, possibly on another server instance, and then closes the old one with reason `reconnect`).
   */
  continuedSessions: z
    .array(
      z.looseObject({
        id: UuidSchema,
        serverseq: z.number().int().min(0),
        clientseq: z.number().int().min(0),
      }),
    )
    .max(16)
    .optional(),
  customConfig: z.record(z.string(), z.unknown()).optional(),
});
export type OpenParameters = z.infer<typeof OpenParametersSchema>;

/** Client → server messages (discriminated by `type`). */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  ClientBase.extend({ type: z.literal('open'), parameters: OpenParametersSchema }),
  ClientBase.extend({
    type: z.literal('ping'),
    parameters: z.looseObject({ rtt: DurationSchema.optional() }),
  }),
  ClientBase.extend({
    type: z.literal('update'),
    parameters: z.looseObject({ language: z.string().max(35).optional() }),
  }),
  ClientBase.extend({ type: z.literal('paused'), parameters: z.looseObject({}) }),
  ClientBase.extend({
    type: z.literal('resumed'),
    parameters: z.looseObject({ start: DurationSchema, discarded: DurationSchema }),
  }),
  ClientBase.extend({
    type: z.literal('discarded'),
    parameters: z.looseObject({ start: DurationSchema, discarded: DurationSchema }),
  }),
  ClientBase.extend({
    type: z.literal('error'),
    parameters: z.looseObject({
      code: z.number().int(),
      message: z.string(),
      retryAfter: DurationSchema.optional(),
    }),
  }),
  ClientBase.extend({
    type: z.literal('close'),
    parameters: z.looseObject({ reason: z.string() }),
  }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];

/** The envelope fields every client message must have (checked before the type-specific schema). */
export const ClientEnvelopeSchema = ClientBase.extend({
  type: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()),
});

/** Reasons of a server `disconnect`. */
export type DisconnectReason = 'completed' | 'unauthorized' | 'error';

/** A word of a transcript (offsets relative to the start of the audio stream). */
export interface TranscriptToken {
  type: 'word';
  value: string;
  confidence: number;
  offset: string;
  duration: string;
  language?: string;
}

/** `transcript` event entity sent back to Genesys in an `event` message. */
export interface TranscriptEntity {
  type: 'transcript';
  data: {
    id: string;
    channel: MediaChannel;
    isFinal: boolean;
    offset: string;
    duration: string;
    alternatives: {
      confidence: number;
      languages?: string[];
      interpretations: { type: 'display'; transcript: string; tokens?: TranscriptToken[] }[];
    }[];
  };
}

/** Parameters of each server → client message type. */
export interface ServerParameters {
  opened: { startPaused: boolean; media: SelectedMedium[]; supportedLanguages?: string[] };
  pong: Record<string, never>;
  closed: Record<string, never>;
  updated: Record<string, never>;
  event: { entities: TranscriptEntity[] };
  pause: Record<string, never>;
  resume: Record<string, never>;
  reconnect: { info?: string };
  disconnect: { reason: DisconnectReason; info?: string };
}
export type ServerMessageType = keyof ServerParameters;

/** A server → client message. */
export interface ServerMessage<T extends ServerMessageType = ServerMessageType> {
  version: '2';
  id: string;
  type: T;
  seq: number;
  clientseq: number;
  parameters: ServerParameters[T];
}

/**
 * Parses an ISO 8601 `PT<seconds>S` duration.
 * @returns milliseconds (rounded to 1 ms)
 * @throws Error when the value is not of that form
 */
export function durationToMs(value: string): number {
  const m = /^PT(\d+(?:\.\d+)?)S$/.exec(value);
  if (!m) throw new Error(`not an AudioHook duration: ${value}`);
  return Math.round(Number(m[1]) * 1000);
}

/** Formats milliseconds as an ISO 8601 duration `PT<seconds>S` (up to 3 decimals, no trailing zeros). */
export function msToDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms)) / 1000;
  return `PT${Number(s.toFixed(3))}S`;
}
