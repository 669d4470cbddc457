import { z } from 'zod';

/**
 * One message pushed by the Apache Pulsar WebSocket reader endpoint
 * (`/ws/v2/reader/persistent/{tenant}/{namespace}/{topic}`, Pulsar WebSocket API, "Reader endpoint →
 * Receiving messages"): `messageId` (base64 MessageIdData), `payload` (base64), `properties`,
 * `publishTime`, `redeliveryCount`, optional `key`.
 */
export const ReaderFrameSchema = z.object({
  messageId: z.string().min(1).max(512),
  payload: z.string(),
  properties: z.record(z.string(), z.string()).optional(),
  publishTime: z.string().optional(),
  redeliveryCount: z.number().int().nonnegative().optional(),
  key: z.string().optional(),
});
export type ReaderFrame = z.infer<typeof ReaderFrameSchema>;

/** Why a message could not be turned into an 8x8 event (permanent: skipped, counted, acked). */
export type DecodeFailure = 'invalid_frame' | 'invalid_base64' | 'invalid_json';

export type FrameDecodeResult =
  | { ok: true; frame: ReaderFrame }
  | { ok: false; reason: 'invalid_frame'; detail: string; messageId?: string };

/**
 * Parses one WebSocket text frame of the reader endpoint.
 * Never throws: a frame that is not JSON or lacks `messageId`/`payload` is `invalid_frame`
 * (with the message id when one could be read, so it can still be acknowledged).
 */
export function decodeReaderFrame(raw: string): FrameDecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { ok: false, reason: 'invalid_frame', detail: `frame is not JSON: ${(e as Error).message}` };
  }
  const parsed = ReaderFrameSchema.safeParse(json);
  if (!parsed.success) {
    const id = (json as { messageId?: unknown } | null)?.messageId;
    return {
      ok: false,
      reason: 'invalid_frame',
      detail: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      messageId: typeof id === 'string' && id.length > 0 && id.length <= 512 ? id : undefined,
    };
  }
  return { ok: true, frame: parsed.data };
}

const Base64Schema = z.base64();

export type PayloadDecodeResult =
  { ok: true; event: unknown } | { ok: false; reason: 'invalid_base64' | 'invalid_json'; detail: string };

/**
 * Decodes a frame's `payload`: strict RFC 4648 base64 (zod `z.base64()`), then UTF-8 JSON
 * (8x8 "Message Format → Payload Decoding"). Never throws.
 */
export function decodePayload(payload: string): PayloadDecodeResult {
  if (!Base64Schema.safeParse(payload).success) {
    return { ok: false, reason: 'invalid_base64', detail: 'payload is not valid base64' };
  }
  const text = Buffer.from(payload, 'base64').toString('utf8');
  try {
    return { ok: true, event: JSON.parse(text) };
  } catch (e) {
    return { ok: false, reason: 'invalid_json', detail: `payload is not JSON: ${(e as Error).message}` };
  }
}
