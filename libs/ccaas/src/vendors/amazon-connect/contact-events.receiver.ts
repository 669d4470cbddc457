import { createHash, timingSafeEqual } from 'node:crypto';
import type { AmazonConnectConfig, AmazonConnectSecrets } from '@hub/integrations';
import { z } from 'zod';
import {
  WebhookRejectedError,
  type TargetEvent,
  type TargetIntegration,
  type WebhookReceiver,
} from '../../core/target';

/**
 * EventBridge retries an undeliverable event for up to 24 h (the target's default `MaximumEventAgeInSeconds`);
 * events older than this (plus 5 min of clock skew) are refused as replays, ms.
 */
export const CONNECT_EVENT_MAX_AGE_MS = 24 * 60 * 60 * 1000 + 5 * 60_000;

/**
 * One EventBridge event of Amazon Connect's contact events ("Amazon Connect Contact Event", source
 * `aws.connect`; Connect Administrator Guide → "Amazon Connect contact events"), as an API destination POSTs
 * it (the whole event, no input transformer). Only the fields the hub reads; new fields and event types pass.
 */
export const ConnectContactEventSchema = z.looseObject({
  version: z.string().optional(),
  /** EventBridge event id, the same on every EventBridge retry (dedupe key). */
  id: z.string().min(1),
  'detail-type': z.literal('Amazon Connect Contact Event'),
  source: z.literal('aws.connect'),
  account: z.string().optional(),
  time: z.string(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.looseObject({
    eventType: z.string(),
    contactId: z.string().min(1),
    initialContactId: z.string().optional(),
    previousContactId: z.string().optional(),
    channel: z.string(),
    instanceArn: z.string(),
    initiationMethod: z.string().optional(),
    disconnectReason: z.string().optional(),
    queueInfo: z
      .looseObject({ queueArn: z.string().optional(), enqueueTimestamp: z.string().optional() })
      .optional(),
    agentInfo: z
      .looseObject({
        agentArn: z.string().optional(),
        connectedToAgentTimestamp: z.string().optional(),
      })
      .optional(),
  }),
});
export type ConnectContactEvent = z.infer<typeof ConnectContactEventSchema>;

type Integration = TargetIntegration<AmazonConnectConfig, AmazonConnectSecrets>;
type Parsed = { externalContactId: string; eventId: string; event: TargetEvent };

const lastSegment = (arn?: string) => (arn ? arn.slice(arn.lastIndexOf('/') + 1) : undefined);

/** `initiationMethod`s of a transfer leg (a new contact Connect creates when a contact is transferred). */
export const CONNECT_TRANSFER_METHODS: readonly string[] = ['TRANSFER', 'QUEUE_TRANSFER'];

/**
 * Maps one contact event to the normalized {@link TargetEvent}s (pure). Only VOICE contacts: a chat contact's
 * progress comes from the participant websocket, and mapping both would report its end twice.
 *
 * Transfers: Connect makes a NEW contact per transfer leg (`initiationMethod` `TRANSFER` / `QUEUE_TRANSFER`,
 * `previousContactId` = the leg before, `initialContactId` = the chain's first contact — the one
 * `StartOutboundVoiceContact` returned). Every event is therefore keyed by `initialContactId` (the handoff's
 * contact), and carries the leg it is about:
 *
 * | detail.eventType                          | normalized                                                             |
 * |-------------------------------------------|------------------------------------------------------------------------|
 * | INITIATED of a transfer leg               | transferred (`toLeg` = the new contact id; queue when known)           |
 * | QUEUED                                    | queued (queue id from `queueInfo.queueArn`)                            |
 * | CONNECTED_TO_AGENT                        | accepted (agent id from `agentInfo.agentArn`)                          |
 * | DISCONNECTED                              | ended (by customer / agent / system from `disconnectReason`, `leg`)    |
 * |                                           | once an agent was connected; before that failed(rejected) (`leg`)      |
 * | others                                    | none (INITIATED of the first leg, CONNECTED_TO_SYSTEM, COMPLETED …)    |
 *
 * The orchestrator follows `toLeg` and ignores the end of a leg it was transferred away from (docs/ccaas.md).
 */
export function mapConnectContactEvent(e: ConnectContactEvent): Parsed[] {
  const d = e.detail;
  if (d.channel.toUpperCase() !== 'VOICE') return [];
  const at = Number.isNaN(Date.parse(e.time)) ? new Date().toISOString() : new Date(e.time).toISOString();
  const root = d.initialContactId ?? d.contactId;
  const leg = d.contactId;
  const base = { externalContactId: root, eventId: `aws-connect-event:${e.id}` };
  const transferLeg = leg !== root || CONNECT_TRANSFER_METHODS.includes(d.initiationMethod ?? '');
  switch (d.eventType) {
    case 'INITIATED': {
      if (!transferLeg || leg === root) return [];
      const queue = lastSegment(d.queueInfo?.queueArn);
      return [{ ...base, event: { kind: 'transferred', at, toLeg: leg, ...(queue ? { queue } : {}) } }];
    }
    case 'QUEUED':
      return [{ ...base, event: { kind: 'queued', at, queue: lastSegment(d.queueInfo?.queueArn) } }];
    case 'CONNECTED_TO_AGENT': {
      const id = lastSegment(d.agentInfo?.agentArn);
      return [{ ...base, event: { kind: 'accepted', at, agent: id ? { id } : {} } }];
    }
    case 'DISCONNECTED': {
      const reason = d.disconnectReason ?? 'UNKNOWN';
      if (!d.agentInfo?.connectedToAgentTimestamp && !d.agentInfo?.agentArn) {
        return [
          {
            ...base,
            event: {
              kind: 'failed',
              at,
              reason: 'rejected',
              detail: `the Connect voice contact ended before an agent joined (disconnectReason ${reason})`,
              leg,
            },
          },
        ];
      }
      const by =
        reason === 'CUSTOMER_DISCONNECT' ? 'customer' : reason === 'AGENT_DISCONNECT' ? 'agent' : 'system';
      return [{ ...base, event: { kind: 'ended', at, by, leg } }];
    }
    default:
      return [];
  }
}

/**
 * Receiver of Amazon Connect contact events delivered by an EventBridge rule → API destination →
 * `POST /v1/ccaas/webhooks/{integrationId}` (docs/vendors/amazon-connect.md → "Voice progress").
 *
 * - Authentication: the API destination's connection adds a secret to every request — `API_KEY`
 *   (header `config.contactEvents.headerName`, value = `secrets.contactEventsSecret`) or `BASIC`
 *   (`Authorization: Basic base64(config.contactEvents.username:secret)`). Compared in constant time (SHA-256
 *   of both sides, so lengths leak nothing). Not configured, missing or wrong → {@link WebhookRejectedError} (401).
 * - The event must be Connect's (`source` aws.connect, detail-type "Amazon Connect Contact Event") of THIS
 *   integration's instance (`detail.instanceArn` ends in `instance/{instanceId}`), else 401 `instance`.
 * - Replays: EventBridge's own retries carry the same `id` (the orchestrator's sink drops duplicates); an event
 *   older than {@link CONNECT_EVENT_MAX_AGE_MS} is refused (`stale`).
 * Pure and fast (no I/O).
 */
export class AmazonConnectContactEventsReceiver implements WebhookReceiver<
  AmazonConnectConfig,
  AmazonConnectSecrets
> {
  readonly type = 'amazon_connect';

  constructor(private readonly now: () => number = Date.now) {}

  /** @throws WebhookRejectedError (`not_configured`, `signature`, `malformed`, `instance`, `stale`) */
  async verifyAndParse(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
    integration: Integration,
  ): Promise<Parsed[]> {
    verifyApiDestinationAuth(headers, integration);
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new WebhookRejectedError('malformed');
    }
    const parsed = ConnectContactEventSchema.safeParse(json);
    if (!parsed.success) throw new WebhookRejectedError('malformed');
    const e = parsed.data;
    if (!e.detail.instanceArn.endsWith(`instance/${integration.config.instanceId}`)) {
      throw new WebhookRejectedError('instance');
    }
    const t = Date.parse(e.time);
    if (Number.isNaN(t) || this.now() - t > CONNECT_EVENT_MAX_AGE_MS) throw new WebhookRejectedError('stale');
    return mapConnectContactEvent(e);
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks the header the EventBridge connection adds (see {@link AmazonConnectContactEventsReceiver}).
 * @throws WebhookRejectedError (`not_configured`, `signature`)
 */
export function verifyApiDestinationAuth(
  headers: Record<string, string | string[] | undefined>,
  integration: Integration,
): void {
  const cfg = integration.config.contactEvents;
  const secret = integration.secrets.contactEventsSecret;
  if (!cfg || !secret) throw new WebhookRejectedError('not_configured');
  const given =
    cfg.auth === 'basic'
      ? /^Basic\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '')?.[1]
      : header(headers, cfg.headerName.toLowerCase());
  const expected =
    cfg.auth === 'basic' ? Buffer.from(`${cfg.username ?? ''}:${secret}`, 'utf8').toString('base64') : secret;
  if (!given || !timingSafeEqual(digest(given.trim()), digest(expected))) {
    throw new WebhookRejectedError('signature');
  }
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name] ?? Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v[0] : v;
}
