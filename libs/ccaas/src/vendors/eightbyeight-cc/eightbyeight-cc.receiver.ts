import * as CRC32 from 'crc-32';
import { flattenedVerify, importJWK, errors as joseErrors, type JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { OutboundHttp } from '@hub/integrations';
import { VendorCallError } from '../vendor-http';
import {
  TargetError,
  WebhookRejectedError,
  type StartJournal,
  type TargetEvent,
  type TargetIntegration,
  type WebhookReceiver,
} from '../../core/target';
import type { EightByEightCcTarget } from './eightbyeight-cc.adapter';
import { eightByEightKeys } from './eightbyeight-cc.reconcile';
import {
  EightByEightChatGateway,
  type EightByEightCcConfig,
  type EightByEightCcSecrets,
} from './eightbyeight-cc.client';

type Integration = TargetIntegration<EightByEightCcConfig, EightByEightCcSecrets>;
type Key = Awaited<ReturnType<typeof importJWK>>;

/** The webhook headers that make up the signed payload (8x8 "Validating Webhook Events"). */
export interface EightByEightSignedHeaders {
  customerId: string;
  tenantId: string;
  eventId: string;
  /** `x-8x8-transmission-time`, epoch ms. */
  transmissionTime: number;
  retry: number;
}

/**
 * The detached JWS payload 8x8 signs for one webhook delivery: UTF-8 JSON with the keys in this exact order —
 * `checksum` (CRC-32 of the raw body bytes, unsigned decimal), `cid`, `eid`, `retry`, `tid`, `tt`.
 */
export function eightByEightSigningPayload(rawBody: Buffer, h: EightByEightSignedHeaders): string {
  return JSON.stringify({
    checksum: CRC32.buf(rawBody) >>> 0,
    cid: h.customerId,
    eid: h.eventId,
    retry: h.retry,
    tid: h.tenantId,
    tt: h.transmissionTime,
  });
}

const Event = z.looseObject({
  eventType: z.string(),
  conversationId: z.string().optional(),
  /** Epoch ms. */
  timestamp: z.number().optional(),
  data: z.unknown().optional(),
});
const MembersChanged = z.looseObject({
  memberType: z.string(),
  change: z.string(),
  id: z.string().optional(),
});
const Queued = z.looseObject({ queueId: z.string().optional(), queueName: z.string().optional() });
const ConversationUpdate = z.looseObject({
  state: z.string().optional(),
  user: z.looseObject({ caseId: z.string().optional() }).optional(),
});
const Message = z.looseObject({
  isEcho: z.boolean().optional(),
  sender: z.looseObject({ id: z.string().optional(), type: z.string().optional() }).optional(),
  text: z.string().optional(),
});
const Activity = z.looseObject({
  name: z.string(),
  value: z
    .looseObject({ users: z.array(z.looseObject({ type: z.string().optional() })).optional() })
    .optional(),
});

/** Options of {@link EightByEightCcWebhookReceiver}. */
export interface EightByEightCcReceiverOptions {
  /** Outbound HTTP for the JWK endpoint (the hosting service's policy). */
  http: OutboundHttp;
  now?: () => number;
  /** How long a fetched public key is kept, ms (default 1 h). */
  keyTtlMs?: number;
  /**
   * The adapter's journal: `CONVERSATION_UPDATE`s carrying our `caseId` (= handoff id) are recorded for the
   * reconciliation of lost create answers, and a conversation of a handoff that has another one is closed (see
   * `EightByEightCcTarget.start`). Without it, nothing is reconciled.
   */
  journal?: StartJournal;
  /** Closes duplicates (the adapter built with the same `http`, journal and counter). */
  target?: EightByEightCcTarget;
}

/**
 * Receiver of the 8x8 Chat Gateway webhook (`POST /v1/ccaas/webhooks/{integrationId}`; 8x8 "Webhooks Events
 * Reference" and "Validating Webhook Events").
 *
 * Verification: `x-8x8-signature` is a JWS (RFC 7515) with detached, unencoded payload (RFC 7797, `b64: false`,
 * `crit: ["b64"]`), RS256, over {@link eightByEightSigningPayload}; the key is the JWK served at
 * `GET {baseUrl}/chat-gateway/v1/jwk/{kid}/public` (fetched through `OutboundHttp`, cached per base URL and `kid`).
 * `x-8x8-tenant-id` must be the integration's tenant (and `x-8x8-customer-id` its customer when configured), and
 * `x-8x8-transmission-time` within `config.maxWebhookAgeMs` of now (replays). Failures →
 * {@link WebhookRejectedError} (401); a JWK endpoint that is down → `TargetError('unavailable')` (5xx: 8x8 retries).
 *
 * Dedupe: `eventId` is `x-8x8-event-id` (the same on every retry), so the orchestrator's sink drops duplicates.
 *
 * Mapping: `QUEUED` → queued; `MEMBERS_CHANGED` agent joined → accepted; user left → ended by customer; agent
 * left → nothing by itself (a `TRANSFER` may follow: → transferred, and a new agent joins); `CONVERSATION_UPDATE`
 * with state `idle` (no interaction left: the agent closed it) → ended by agent; `MESSAGE` from an agent →
 * agent_message (echoes of our own lines ignored); `ACTIVITY` typing with an agent → agent_typing;
 * `WEB_HOOK_VERIFY` → no event (answered 2xx, as 8x8 requires).
 */
export class EightByEightCcWebhookReceiver implements WebhookReceiver<
  EightByEightCcConfig,
  EightByEightCcSecrets
> {
  readonly type = 'eightbyeight_cc';
  private readonly http: OutboundHttp;
  private readonly now: () => number;
  private readonly keys: LRUCache<string, Key>;
  private readonly journal?: StartJournal;
  private readonly target?: EightByEightCcTarget;

  constructor(opts: EightByEightCcReceiverOptions) {
    this.http = opts.http;
    this.journal = opts.journal;
    this.target = opts.target;
    this.now = opts.now ?? Date.now;
    this.keys = new LRUCache<string, Key>({ max: 500, ttl: opts.keyTtlMs ?? 3_600_000 });
  }

  /**
   * @throws WebhookRejectedError (`signature`, `tenant`, `customer`, `stale`, `malformed`); TargetError when the
   *         JWK endpoint cannot be reached
   */
  async verifyAndParse(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
    integration: Integration,
  ): Promise<{ externalContactId: string; eventId: string; event: TargetEvent }[]> {
    const h = (n: string) => {
      const v = headers[n] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === n)?.[1];
      return Array.isArray(v) ? v[0] : v;
    };
    const signature = h('x-8x8-signature');
    const body = parseEvent(rawBody);
    if (!signature && body?.eventType === 'WEB_HOOK_VERIFY') return [];
    const signed = {
      customerId: h('x-8x8-customer-id') ?? '',
      tenantId: h('x-8x8-tenant-id') ?? '',
      eventId: h('x-8x8-event-id') ?? '',
      transmissionTime: Number(h('x-8x8-transmission-time')),
      retry: Number(h('x-8x8-retry') ?? '0'),
    };
    if (
      !signature ||
      !signed.eventId ||
      !Number.isFinite(signed.transmissionTime) ||
      !Number.isInteger(signed.retry)
    ) {
      throw new WebhookRejectedError('signature');
    }
    await this.verifySignature(signature, eightByEightSigningPayload(rawBody, signed), integration);
    if (signed.tenantId !== integration.config.tenantId) throw new WebhookRejectedError('tenant');
    if (integration.config.customerId && signed.customerId !== integration.config.customerId) {
      throw new WebhookRejectedError('customer');
    }
    if (Math.abs(this.now() - signed.transmissionTime) > integration.config.maxWebhookAgeMs) {
      throw new WebhookRejectedError('stale');
    }
    if (!body) throw new WebhookRejectedError('malformed');
    if (body.eventType === 'CONVERSATION_UPDATE' && body.conversationId) {
      if (await this.reconcile(body.conversationId, body.data, integration)) return [];
    }
    const event = mapEvent(body, signed.eventId, this.now);
    return event && body.conversationId
      ? [{ externalContactId: body.conversationId, eventId: signed.eventId, event }]
      : [];
  }

  /**
   * A verified `CONVERSATION_UPDATE` carrying our `caseId`: journals the conversation as the one 8x8 reported for
   * the handoff, then — when the handoff already has another conversation (a create whose answer was lost was
   * repeated) — closes this one. Written before read, as `start` does the other way round.
   * @returns true when the conversation is a closed duplicate (its event is dropped)
   * @throws TargetError when 8x8 cannot be reached to close it (5xx: 8x8 retries the delivery)
   */
  private async reconcile(conversationId: string, data: unknown, integration: Integration): Promise<boolean> {
    const d = ConversationUpdate.safeParse(data ?? {});
    const caseId = d.success ? d.data.user?.caseId : undefined;
    if (!caseId || !this.journal || d.data?.state === 'idle') return false;
    await this.journal.put(eightByEightKeys.reported(integration.id, caseId), conversationId);
    const own = await this.journal.get(eightByEightKeys.conversation(integration.id, caseId));
    if (!own || own === conversationId) return false;
    await this.target?.closeDuplicate(conversationId, integration);
    return true;
  }

  private async verifySignature(jws: string, payload: string, integration: Integration): Promise<void> {
    const parts = jws.split('.');
    if (parts.length !== 3 || parts[1] !== '') throw new WebhookRejectedError('signature');
    try {
      await flattenedVerify(
        { protected: parts[0], payload, signature: parts[2] },
        async (header) => this.key(String(header.kid ?? ''), integration),
        { algorithms: ['RS256'] },
      );
    } catch (e) {
      if (e instanceof TargetError || e instanceof WebhookRejectedError) throw e;
      if (e instanceof joseErrors.JOSEError) throw new WebhookRejectedError('signature');
      throw e;
    }
  }

  /** The public key `kid` of the integration's 8x8 base URL (cached). */
  private async key(kid: string, integration: Integration): Promise<Key> {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(kid)) throw new WebhookRejectedError('signature');
    const cacheKey = `${integration.config.baseUrl}|${kid}`;
    const hit = this.keys.get(cacheKey);
    if (hit) return hit;
    let res;
    try {
      res = await new EightByEightChatGateway(this.http, integration.config, integration.secrets).call(
        'GET',
        `/chat-gateway/v1/jwk/${kid}/public`,
        undefined,
        { auth: false },
      );
    } catch (e) {
      if (e instanceof VendorCallError && (e.status === 404 || e.status === 400)) {
        throw new WebhookRejectedError('signature');
      }
      throw e;
    }
    const jwk = (typeof res.json === 'string' ? JSON.parse(res.json) : res.json) as JWK;
    if (!jwk || jwk.kty !== 'RSA') throw new WebhookRejectedError('signature');
    const key = await importJWK({ ...jwk, alg: 'RS256' }, 'RS256');
    this.keys.set(cacheKey, key);
    return key;
  }
}

function parseEvent(raw: Buffer): z.infer<typeof Event> | null {
  try {
    const r = Event.safeParse(JSON.parse(raw.toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** One 8x8 webhook event → a normalized event, or null when it changes nothing for the handoff. */
function mapEvent(e: z.infer<typeof Event>, eventId: string, now: () => number): TargetEvent | null {
  const at = new Date(e.timestamp ?? now()).toISOString();
  switch (e.eventType) {
    case 'QUEUED': {
      const d = Queued.safeParse(e.data ?? {});
      const queue = d.success ? (d.data.queueName ?? d.data.queueId) : undefined;
      return { kind: 'queued', at, ...(queue ? { queue } : {}) };
    }
    case 'MEMBERS_CHANGED': {
      const d = MembersChanged.safeParse(e.data);
      if (!d.success) return null;
      if (d.data.memberType === 'agent' && d.data.change === 'joined') {
        return { kind: 'accepted', at, agent: d.data.id ? { id: d.data.id } : {} };
      }
      if (d.data.memberType === 'user' && d.data.change === 'left')
        return { kind: 'ended', at, by: 'customer' };
      return null;
    }
    case 'TRANSFER':
      return { kind: 'transferred', at };
    case 'CONVERSATION_UPDATE': {
      const d = ConversationUpdate.safeParse(e.data ?? {});
      return d.success && d.data.state === 'idle' ? { kind: 'ended', at, by: 'agent' } : null;
    }
    case 'MESSAGE': {
      const d = Message.safeParse(e.data);
      if (!d.success || d.data.isEcho || d.data.sender?.type !== 'agent' || !d.data.text) return null;
      return {
        kind: 'agent_message',
        at,
        messageId: eventId,
        text: d.data.text,
        ...(d.data.sender.id ? { agent: { id: d.data.sender.id } } : {}),
      };
    }
    case 'ACTIVITY': {
      const d = Activity.safeParse(e.data);
      if (!d.success || d.data.name !== 'typing') return null;
      return (d.data.value?.users ?? []).some((u) => u.type === 'agent')
        ? { kind: 'agent_typing', at }
        : null;
    }
    default:
      return null;
  }
}
