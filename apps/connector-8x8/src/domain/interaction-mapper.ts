import { z } from 'zod';
import type { ConversationEvent } from '@hub/contracts';

type LifecycleState = Extract<ConversationEvent, { kind: 'lifecycle' }>['state'];
export type LifecycleEvent = Extract<ConversationEvent, { kind: 'lifecycle' }>;

/**
 * 8x8 interaction event name → normalized lifecycle state. Names follow the 8x8 Event Streaming
 * "Event Reference"; the short forms without the `Interaction` prefix (`PostProcess`,
 * `EndPostProcess`, `TransferRequest`) are accepted too.
 */
const STATE_BY_EVENT: Record<string, LifecycleState> = {
  InteractionCreated: 'started',
  InteractionQueued: 'queued',
  InteractionAssigned: 'assigned',
  InteractionAccepted: 'accepted',
  InteractionRejected: 'rejected',
  InteractionTransferRequest: 'transferred',
  InteractionPostProcess: 'wrap_up',
  InteractionDeleted: 'ended',
  GuestChatEnd: 'ended',
};

/**
 * Events that only move the agent ↔ interaction correlation and publish no lifecycle event.
 * `InteractionDeassigned`: the interaction was taken away from an agent (ring-no-answer, transfer,
 * after post-processing) while the interaction itself may continue with another agent.
 * `InteractionEndPostProcess`: one agent finished their wrap-up — after a transfer the interaction goes on
 * with the next agent. Its end is `InteractionDeleted` (or `GuestChatEnd`). The conversation contract has no
 * non-terminal "unassigned" state, and `ended` would make consumers (suggestion-service) drop the
 * conversation's context mid-call.
 */
const CORRELATION_ONLY = new Set(['InteractionDeassigned', 'InteractionEndPostProcess']);

/** Events after which an agent is working on the interaction (correlation set). */
const SETS_CORRELATION = new Set(['InteractionAssigned', 'InteractionAccepted']);
/** Events after which the agent no longer works on it (correlation cleared if it still points here). */
const CLEARS_CORRELATION = new Set(['InteractionRejected', 'InteractionDeleted']);

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The fields of an 8x8 interaction event this connector reads (others are kept as attributes). */
export const InteractionPayloadSchema = z.looseObject({
  event: z.string().min(1).max(100).optional(),
  interactionGUID: z.string().min(1).max(200),
  agentId: z.string().min(1).max(128).optional(),
  participatingAgents: z.string().optional(),
  queueId: z.union([z.number(), z.string()]).optional(),
  mediaType: z.string().optional(),
  direction: z.string().optional(),
  callState: z.string().optional(),
  /** Seconds since epoch. */
  eventTS: z.number().optional(),
  /** Seconds since epoch. */
  interactionEventTS: z.number().optional(),
  msgInfo: z.looseObject({ timestamp: z.number().optional() }).optional(),
  attachedData: z
    .looseObject({
      attachedDatum: z
        .array(z.looseObject({ attachedDataKey: z.string(), attachedDataValue: Scalar.optional() }))
        .optional(),
    })
    .optional(),
});
export type InteractionPayload = z.infer<typeof InteractionPayloadSchema>;

/** What to do with the agent ↔ interaction correlation in Redis. */
export type CorrelationChange =
  | { action: 'set'; agentId: string; interactionId: string }
  | { action: 'clear'; agentIds: string[]; interactionId: string };

export type MappedEvent =
  | {
      kind: 'lifecycle';
      event: LifecycleEvent;
      correlation: CorrelationChange | null;
      /** When it happened at 8x8 (event timestamp), ISO 8601. */
      occurredAt: string;
    }
  /** An event that only changes the agent ↔ interaction correlation (no conversation event). */
  | {
      kind: 'correlation';
      vendorEvent: string;
      interactionId: string;
      correlation: CorrelationChange;
      occurredAt: string;
    }
  /** A valid message this connector does not turn into a conversation event (agent status, hold …). */
  | { kind: 'ignored'; vendorEvent: string }
  /** A message whose payload is not a usable 8x8 event (permanent: skipped and counted). */
  | { kind: 'invalid'; detail: string };

/** Normalizes `PostProcess` → `InteractionPostProcess` etc. */
function canonicalEventName(name: string): string {
  if (STATE_BY_EVENT[name] || name.startsWith('Interaction') || name === 'GuestChatEnd') return name;
  const prefixed = `Interaction${name}`;
  return STATE_BY_EVENT[prefixed] || CORRELATION_ONLY.has(prefixed) ? prefixed : name;
}

/** Agents an event is about: its `agentId`, else every id in `participatingAgents` (comma-separated). */
function agentsOf(p: InteractionPayload): string[] {
  if (p.agentId) return [p.agentId];
  return (p.participatingAgents ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `attachedData.attachedDatum[]` → `{ key: value }` (8x8 "Attached Data Structure"). */
export function flattenAttachedData(
  payload: InteractionPayload,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const d of payload.attachedData?.attachedDatum ?? []) {
    out[d.attachedDataKey] = d.attachedDataValue ?? null;
  }
  return out;
}

function occurredAt(p: InteractionPayload, publishTime: string | undefined): string {
  const seconds = p.eventTS ?? p.interactionEventTS;
  if (seconds !== undefined) return new Date(seconds * 1000).toISOString();
  if (p.msgInfo?.timestamp !== undefined) return new Date(p.msgInfo.timestamp).toISOString();
  const t = publishTime ? Date.parse(publishTime) : NaN;
  return Number.isNaN(t) ? new Date().toISOString() : new Date(t).toISOString();
}

/**
 * Maps one decoded 8x8 Event Streaming payload (`{"Interaction": {...}}`, `{"AgentStatusChange": {...}}`
 * …, see 8x8 "Event Reference") to a normalized lifecycle conversation event plus the correlation
 * change it implies. Pure; never throws.
 *
 * - Interaction lifecycle events → `kind: 'lifecycle'` with `provider: '8x8'`, `interactionId` =
 *   `interactionGUID`, `queue` = skill/channel name from attachedData (else the numeric `queueId`),
 *   `vendorEvent` = the 8x8 event name, `attributes` = flattened attachedData + call state, media type,
 *   direction, queue id.
 * - InteractionAssigned / InteractionAccepted with an `agentId` → correlation `set`;
 *   InteractionRejected / Deleted → `clear` for `agentId` (or every id in `participatingAgents`).
 * - InteractionDeassigned / EndPostProcess → `kind: 'correlation'`: the agent's correlation is cleared, but no
 *   lifecycle event is produced (the interaction may continue with another agent; see
 *   {@link CORRELATION_ONLY}); without any agent id it is `ignored`.
 * - Other wrappers (agent status, skills, media proxy) and interaction events without a lifecycle
 *   meaning (hold, mute, recording …) → `ignored`.
 * - Not an object with exactly one wrapper key, or an interaction without `interactionGUID` → `invalid`.
 *
 * 8x8 Event Streaming carries interaction lifecycle, not chat text or transcripts, so no utterances
 * are produced here (see docs/connectors.md).
 *
 * @param publishTime the Pulsar frame's `publishTime`, used when the payload has no timestamp
 */
export function mapEightByEightEvent(decoded: unknown, publishTime?: string): MappedEvent {
  if (!decoded || typeof decoded !== 'object' || Array.isArray(decoded)) {
    return { kind: 'invalid', detail: 'payload is not a JSON object' };
  }
  const keys = Object.keys(decoded);
  if (keys.length !== 1) {
    return { kind: 'invalid', detail: `expected one wrapper key (e.g. "Interaction"), got ${keys.length}` };
  }
  const wrapper = keys[0];
  const inner = (decoded as Record<string, unknown>)[wrapper];
  if (!inner || typeof inner !== 'object') {
    return { kind: 'invalid', detail: `${wrapper}: must be an object` };
  }
  const innerEvent = (inner as { event?: unknown }).event;
  const rawName = typeof innerEvent === 'string' && innerEvent ? innerEvent : wrapper;
  const isInteraction = wrapper === 'Interaction' || 'interactionGUID' in inner;
  if (!isInteraction) return { kind: 'ignored', vendorEvent: rawName };

  const parsed = InteractionPayloadSchema.safeParse(inner);
  if (!parsed.success) {
    return {
      kind: 'invalid',
      detail: parsed.error.issues
        .slice(0, 5)
        .map((i) => `${wrapper}.${i.path.join('.')}: ${i.message}`)
        .join('; '),
    };
  }
  const p = parsed.data;
  const name = canonicalEventName(rawName);
  if (CORRELATION_ONLY.has(name)) {
    const agentIds = agentsOf(p);
    if (!agentIds.length) return { kind: 'ignored', vendorEvent: name };
    return {
      kind: 'correlation',
      vendorEvent: name,
      interactionId: p.interactionGUID,
      correlation: { action: 'clear', agentIds, interactionId: p.interactionGUID },
      occurredAt: occurredAt(p, publishTime),
    };
  }
  const state = STATE_BY_EVENT[name];
  if (!state) return { kind: 'ignored', vendorEvent: name };

  const attached = flattenAttachedData(p);
  const queueName = attached['tenantSkillName'] ?? attached['channelName'];
  const queue =
    typeof queueName === 'string' && queueName
      ? queueName
      : p.queueId !== undefined
        ? String(p.queueId)
        : undefined;
  const attributes: Record<string, unknown> = { ...attached };
  for (const k of ['callState', 'mediaType', 'direction', 'queueId'] as const) {
    if (p[k] !== undefined) attributes[k] = p[k];
  }

  const event: LifecycleEvent = {
    kind: 'lifecycle',
    interactionId: p.interactionGUID,
    provider: '8x8',
    state,
    vendorEvent: name,
    attributes,
  };
  if (p.agentId) event.agentId = p.agentId;
  if (queue) event.queue = queue.slice(0, 200);

  let correlation: CorrelationChange | null = null;
  if (SETS_CORRELATION.has(name) && p.agentId) {
    correlation = { action: 'set', agentId: p.agentId, interactionId: p.interactionGUID };
  } else if (CLEARS_CORRELATION.has(name)) {
    const agentIds = agentsOf(p);
    if (agentIds.length) correlation = { action: 'clear', agentIds, interactionId: p.interactionGUID };
  }
  return { kind: 'lifecycle', event, correlation, occurredAt: occurredAt(p, publishTime) };
}
