import type { HandoffContext } from '../../core/target';
import { TargetError } from '../../core/target';
import type { GenesysCloudConfig } from './genesys-cloud.client';

/** Our cap on `channel.metadata.customAttributes` (UTF-8 bytes of the JSON object); longer values are cut. */
export const GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES = 2048;
/** Our cap on the text of the first inbound message (the handoff recap the agent reads first), characters. */
export const GENESYS_RECAP_MAX_CHARS = 4000;

const CUT = '…[cut]';

/**
 * The queue a handoff goes to: the first `queueMappings` entry whose `match` field (`intent` or `category`) equals
 * its value (case-insensitive), else `defaultQueueId`.
 * @throws TargetError('invalid', field `config.defaultQueueId`) when nothing matches and there is no default
 */
export function resolveGenesysQueue(
  ctx: Pick<HandoffContext, 'intent' | 'category'>,
  config: GenesysCloudConfig,
): string {
  const hit = config.queueMappings.find((m) =>
    eqi(m.match === 'intent' ? ctx.intent : ctx.category, m.value),
  );
  const queueId = hit?.queueId ?? config.defaultQueueId;
  if (!queueId) {
    throw new TargetError(
      'invalid',
      'no queue mapping matches and no default queue is set',
      'config.defaultQueueId',
    );
  }
  return queueId;
}

/**
 * `channel.metadata.customAttributes` of the handoff's first inbound message: the hub's routing and context keys
 * (`hub_queue_id` for the Architect inbound message flow's Transfer to ACD, summary, intent, sentiment, …) then the
 * bot's custom attributes, all strings. Keys already set are not overwritten by custom ones. The whole map stays
 * within {@link GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES}: long values are cut (marker `…[cut]`), keys that no longer fit
 * are dropped, custom attributes first.
 */
export function genesysCustomAttributes(ctx: HandoffContext, queueId: string): Record<string, string> {
  const hub: [string, string | undefined][] = [
    ['hub_handoff_id', ctx.handoffId],
    ['hub_conversation_id', ctx.conversationId],
    ['hub_queue_id', queueId],
    ['hub_channel', ctx.channel],
    ['hub_priority', String(ctx.priority)],
    ['hub_intent', ctx.intent],
    ['hub_category', ctx.category],
    ['hub_sentiment', ctx.sentiment?.label],
    ['hub_sentiment_score', ctx.sentiment ? ctx.sentiment.score.toFixed(2) : undefined],
    ['hub_escalation_reason', ctx.escalationReason],
    ['hub_customer_email', ctx.customer.email],
    ['hub_customer_phone', ctx.customer.phone],
    ['hub_summary', ctx.summary],
  ];
  const out: Record<string, string> = {};
  const entries = [
    ...hub.filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
    ...Object.entries(ctx.attributes),
  ];
  for (const [k, v] of entries) {
    if (k in out) continue;
    const room = GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES - bytes(out) - Buffer.byteLength(JSON.stringify(k)) - 4;
    if (room <= CUT.length + 2) break;
    out[k] = fitUtf8(v, room - 2);
  }
  return out;
}

/**
 * Text of the handoff's first inbound message: what the agent reads first — escalation reason, summary (≤ 1,000
 * characters), then the
 * most recent transcript lines that fit {@link GENESYS_RECAP_MAX_CHARS} (older ones replaced by a marker; the full
 * transcript stays in the hub's conversation log).
 */
export function genesysRecap(ctx: HandoffContext): string {
  const head = [
    `[Handoff from the bot${ctx.escalationReason ? `: ${ctx.escalationReason}` : ''}]`,
    ...(ctx.summary
      ? [`Summary: ${ctx.summary.length > 1000 ? `${ctx.summary.slice(0, 1000)}${CUT}` : ctx.summary}`]
      : []),
  ];
  const lines = ctx.transcript.map((m) => `${m.role}: ${m.text}`);
  const budget = GENESYS_RECAP_MAX_CHARS - head.join('\n').length - 64;
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (used + lines[i].length + 1 > budget) break;
    kept.unshift(lines[i]);
    used += lines[i].length + 1;
  }
  const omitted = lines.length - kept.length;
  const body = [
    ...(omitted ? [`[${omitted} earlier message(s) omitted; full transcript in the hub]`] : []),
    ...kept,
  ];
  return [...head, ...(body.length ? ['Transcript:', ...body] : [])]
    .join('\n')
    .slice(0, GENESYS_RECAP_MAX_CHARS);
}

function bytes(o: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(o));
}

/** `s` cut so that its JSON string form has at most `max` UTF-8 bytes (marker appended when cut). */
function fitUtf8(s: string, max: number): string {
  if (Buffer.byteLength(JSON.stringify(s)) <= max) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(JSON.stringify(s.slice(0, mid) + CUT)) <= max) lo = mid;
    else hi = mid - 1;
  }
  return s.slice(0, lo) + CUT;
}

function eqi(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
