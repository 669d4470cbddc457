import type { ContextMessage, HandoffContext } from '../../core/target';

/** Connect's limit on all contact attributes of a contact: keys and values, UTF-8 bytes. */
export const CONNECT_ATTRIBUTES_MAX_BYTES = 32_768;

/** The attribute keys the hub always sets (seed 004, "Contact Attributes Passed to Agents"). */
export const OB_KEYS = {
  transcript: 'ob_transcript',
  customerName: 'ob_customer_name',
  intent: 'ob_intent',
  channel: 'ob_channel',
  sessionId: 'ob_session_id',
  handoffId: 'ob_handoff_id',
  summary: 'ob_summary',
  queueId: 'ob_queue_id',
} as const;

/**
 * A custom key made acceptable to Connect: "Attribute keys can include only alphanumeric, dash, and
 * underscore characters" (Connect API reference, `StartChatContact.Attributes`). Every other character
 * becomes `_`; at most 128 characters. Pure.
 * @returns the sanitized key, or null when nothing usable is left (empty, or only underscores)
 */
export function sanitizeAttributeKey(key: string): string | null {
  const k = key.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
  return /[A-Za-z0-9]/.test(k) ? k : null;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Cuts `s` to at most `max` UTF-8 bytes from its END (keeps the tail), never splitting a character. */
function keepTailBytes(s: string, max: number): string {
  if (bytes(s) <= max) return s;
  const b = Buffer.from(s, 'utf8');
  let start = b.length - max;
  // Skip UTF-8 continuation bytes (10xxxxxx) so the cut starts on a character boundary.
  while (start < b.length && (b[start] & 0xc0) === 0x80) start++;
  return b.subarray(start).toString('utf8');
}

/** Cuts `s` to at most `max` UTF-8 bytes from its START, never splitting a character. */
function keepHeadBytes(s: string, max: number): string {
  if (bytes(s) <= max) return s;
  const b = Buffer.from(s, 'utf8');
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

const ROLE_LABEL: Record<ContextMessage['role'], string> = {
  customer: 'Customer',
  bot: 'Bot',
  agent: 'Agent',
  system: 'System',
};

/** One transcript line as agents read it in `ob_transcript`: `[ISO time] Role: text`. */
export function transcriptLine(m: ContextMessage): string {
  return `[${m.at}] ${ROLE_LABEL[m.role]}: ${m.text.replace(/\r?\n/g, ' ')}`;
}

/** The marker that starts a cut transcript. */
export function cutMarker(omitted: number): string {
  return `[${omitted} earlier message(s) omitted: Connect's 32 KB attribute limit; the full transcript is in the OmniBots conversation log]`;
}

/** What {@link buildContactAttributes} produced. */
export interface ContactAttributes {
  attributes: Record<string, string>;
  /** UTF-8 bytes of all keys and values (≤ {@link CONNECT_ATTRIBUTES_MAX_BYTES}). */
  totalBytes: number;
  /** Transcript messages in `ob_transcript`, and how many older ones were cut. */
  transcript: { kept: number; omitted: number };
  /** Custom keys that were dropped (no usable characters, reserved `ob_` key, or no room left). */
  droppedKeys: string[];
}

/**
 * Maps a handoff's context to Connect contact attributes within Connect's 32,768-byte limit (keys and
 * values, UTF-8): the fixed `ob_*` keys (`ob_customer_name`, `ob_intent` = intent or escalation reason,
 * `ob_channel`, `ob_session_id`, `ob_handoff_id`, `ob_summary` ≤ 2,000 bytes, `ob_queue_id` when a queue
 * mapping matched), then the custom keys (sanitized by {@link sanitizeAttributeKey}; a key already set
 * is not overwritten; each value ≤ 4,000 bytes), then `ob_transcript` with the room left: the most
 * recent messages that fit, oldest first, preceded by {@link cutMarker} when older ones were cut (a
 * single message longer than the room keeps its end). Pure.
 * @param maxBytes the limit (default {@link CONNECT_ATTRIBUTES_MAX_BYTES}; smaller in tests)
 */
export function buildContactAttributes(
  ctx: HandoffContext,
  extra: { queueId?: string } = {},
  maxBytes = CONNECT_ATTRIBUTES_MAX_BYTES,
): ContactAttributes {
  const attributes: Record<string, string> = {};
  let used = 0;
  const droppedKeys: string[] = [];
  const put = (key: string, value: string): boolean => {
    const cost = bytes(key) + bytes(value);
    if (used + cost > maxBytes) return false;
    attributes[key] = value;
    used += cost;
    return true;
  };
  // Reserve the transcript key so it always fits (with at least the marker).
  const reserve = bytes(OB_KEYS.transcript) + bytes(cutMarker(ctx.transcript.length));
  const fixed: [string, string | undefined][] = [
    [OB_KEYS.customerName, ctx.customer.name],
    [OB_KEYS.intent, ctx.intent ?? ctx.escalationReason],
    [OB_KEYS.channel, ctx.channel],
    [OB_KEYS.sessionId, ctx.botSessionId],
    [OB_KEYS.handoffId, ctx.handoffId],
    [OB_KEYS.summary, ctx.summary ? keepHeadBytes(ctx.summary, 2000) : undefined],
    [OB_KEYS.queueId, extra.queueId],
  ];
  for (const [k, v] of fixed) if (v !== undefined && v !== '') put(k, keepHeadBytes(v, 4000));
  for (const [rawKey, value] of Object.entries(ctx.attributes)) {
    const key = sanitizeAttributeKey(rawKey);
    if (!key || key in attributes || key === OB_KEYS.transcript) {
      droppedKeys.push(rawKey);
      continue;
    }
    const v = keepHeadBytes(value, 4000);
    if (used + bytes(key) + bytes(v) + reserve > maxBytes || !put(key, v)) droppedKeys.push(rawKey);
  }
  // Transcript: newest first until the room is used up.
  const room = maxBytes - used - bytes(OB_KEYS.transcript);
  const lines = ctx.transcript.map(transcriptLine);
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const add = bytes(lines[i]) + (kept.length ? 1 : 0);
    const markerIfCut = i > 0 ? bytes(cutMarker(i)) + 1 : 0;
    if (size + add + markerIfCut > room) break;
    kept.unshift(lines[i]);
    size += add;
  }
  const omitted = lines.length - kept.length;
  let text: string;
  if (omitted === 0) text = kept.join('\n');
  else if (kept.length === 0) {
    // Not even the newest message fits whole: keep its end after the marker.
    const marker = cutMarker(omitted - 1);
    const last = lines[lines.length - 1];
    text = `${marker}\n${keepTailBytes(last, Math.max(0, room - bytes(marker) - 1))}`;
  } else text = `${cutMarker(omitted)}\n${kept.join('\n')}`;
  if (lines.length) {
    attributes[OB_KEYS.transcript] = keepTailBytes(text, room);
    used += bytes(OB_KEYS.transcript) + bytes(attributes[OB_KEYS.transcript]);
  }
  return {
    attributes,
    totalBytes: used,
    transcript: {
      kept: omitted > 0 && kept.length === 0 ? 1 : kept.length,
      omitted: omitted > 0 && kept.length === 0 ? omitted - 1 : omitted,
    },
    droppedKeys,
  };
}

/** Total UTF-8 bytes of an attribute map (keys + values), as Connect counts it. */
export function attributeBytes(attributes: Record<string, string>): number {
  return Object.entries(attributes).reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0);
}
