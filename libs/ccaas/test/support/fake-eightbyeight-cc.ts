import { KeyObject, randomBytes, randomUUID, sign as rsaSign } from 'node:crypto';
import { exportJWK, FlattenedSign, generateKeyPair, type JWK } from 'jose';
import { eightByEightSigningPayload } from '../../src/vendors/eightbyeight-cc/eightbyeight-cc.receiver';
import { FakeHttpServer, postWebhook, type FakeResponse, type RecordedRequest } from './fake-http-server';

/** A conversation created on the fake (the `POST /chat-gateway/v1/conversations` body and what followed). */
/** What the fake reads of request bodies (every field optional: the fake validates them itself). */
export interface FakeChatGatewayBody {
  name?: string;
  uri?: string;
  version?: string;
  type?: string;
  webHookId?: string;
  routingOptions?: { type?: string; id?: string };
  channelId?: string;
  user?: { additionalProperties?: { key: string; value: string }[]; [k: string]: unknown };
  assignment?: { type: string; id: string };
  history?: { messages: { authorType: string; text: string }[] };
  authorType?: string;
  text?: string;
  removed?: boolean;
}

export interface FakeEightByEightConversation {
  id: string;
  request: FakeChatGatewayBody;
  messages: { authorType: string; text: string }[];
  userRemoved: boolean;
}

/** Options of {@link FakeEightByEightCc}. */
export interface FakeEightByEightCcOptions {
  apiKey?: string;
  tenantId?: string;
  customerId?: string;
  /**
   * Send 8x8's `CONVERSATION_UPDATE` (state `created`, with the `user` and so its `caseId`) right after answering
   * every create, as 8x8 documents (default false: adapter tests count deliveries exactly).
   */
  reportCreated?: boolean;
}

/**
 * A local 8x8 Contact Center Chat Gateway speaking its documented wire format (OpenAPI "Contact Center Chat Gateway"
 * v1), for adapter tests and the orchestrator e2e:
 *
 * - `x-api-key` (401 otherwise) and `X-8x8-Tenant` (403 when not the customer's tenant) on every API path;
 * - webhooks (`POST/GET /chat-gateway/v1/webhooks[/{id}]`; creating one sends the signed `WEB_HOOK_VERIFY`),
 *   channels (`POST/GET /chat-gateway/v1/channels[/{id}]`), conversations (`POST` → 202 `{ conversationId }`, with
 *   the documented limits), messages (`POST …/messages` → 202), the user leaving (`PATCH …/participants/user`);
 * - `GET /chat-gateway/v1/jwk/{kid}/public` — the RSA public JWK;
 * - the agent's side: {@link send} POSTs any event to the webhook URL, signed like 8x8 (`x-8x8-signature`: detached
 *   RS256 JWS, `b64: false`, over the CRC-32/header payload), with the `x-8x8-*` headers; helpers for queued,
 *   agent joined/left, transfer, messages, typing, idle.
 */
export class FakeEightByEightCc {
  readonly server: FakeHttpServer;
  readonly apiKey: string;
  readonly tenantId: string;
  readonly customerId: string;
  private readonly reportCreates: boolean;
  readonly kid = randomBytes(16).toString('base64url');
  readonly webhooks = new Map<string, { id: string; name: string; uri: string; version: string }>();
  readonly channels = new Map<
    string,
    {
      id: string;
      name: string;
      type: string;
      webHookId: string;
      routingOptions: { type: string; id: string };
    }
  >();
  readonly conversations = new Map<string, FakeEightByEightConversation>();
  /** Creates whose answer is lost (see {@link loseCreateAnswers}). */
  private lostAnswers: { left: number; report: 'at_once' | 'held' } = { left: 0, report: 'at_once' };
  /** `CONVERSATION_UPDATE created` reports held back ({@link releaseHeldReports}). */
  private heldReports: string[] = [];
  private privateKey?: CryptoKey;
  private publicJwk?: JWK;

  constructor(opts: FakeEightByEightCcOptions = {}) {
    this.apiKey = opts.apiKey ?? 'eght-api-key-0123456789abcdef';
    this.tenantId = opts.tenantId ?? 'vccHubTenant01';
    this.customerId = opts.customerId ?? 'vccHubCustomer01';
    this.reportCreates = opts.reportCreated ?? false;
    this.server = new FakeHttpServer((r) => this.route(r));
  }

  async listen(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', {
      modulusLength: 2048,
      extractable: true,
    });
    this.privateKey = privateKey;
    this.publicJwk = { ...(await exportJWK(publicKey)), kid: this.kid };
    return this.server.listen();
  }
  close(): Promise<void> {
    return this.server.close();
  }
  get baseUrl(): string {
    return this.server.baseUrl;
  }
  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  /** Registers a webhook and a channel directly (as an admin would in Configuration Manager). */
  addChannel(webhookUri: string, queueId: string): { webhookId: string; channelId: string } {
    const wh = { id: randomUUID(), name: 'hub', uri: webhookUri, version: 'Chat Gateway v1.0' };
    this.webhooks.set(wh.id, wh);
    const ch = {
      id: randomUUID(),
      name: 'hub',
      type: 'ChatAPI',
      webHookId: wh.id,
      routingOptions: { type: 'queue', id: queueId },
    };
    this.channels.set(ch.id, ch);
    return { webhookId: wh.id, channelId: ch.id };
  }

  /**
   * Signs `rawBody` like 8x8: the `x-8x8-*` headers and the detached JWS over their payload.
   * @param over header values to use instead (e.g. another tenant, an old transmission time)
   */
  async sign(
    rawBody: string,
    over: Partial<{
      eventId: string;
      retry: number;
      transmissionTime: number;
      tenantId: string;
      customerId: string;
    }> = {},
    key?: CryptoKey,
  ): Promise<Record<string, string>> {
    const h = {
      customerId: over.customerId ?? this.customerId,
      tenantId: over.tenantId ?? this.tenantId,
      eventId: over.eventId ?? randomBytes(16).toString('base64url'),
      transmissionTime: over.transmissionTime ?? Date.now(),
      retry: over.retry ?? 0,
    };
    const payload = eightByEightSigningPayload(Buffer.from(rawBody, 'utf8'), h);
    const jws = await new FlattenedSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ b64: false, crit: ['b64'], kid: this.kid, alg: 'RS256' })
      .sign(key ?? this.mustKey());
    return {
      'x-8x8-customer-id': h.customerId,
      'x-8x8-tenant-id': h.tenantId,
      'x-8x8-event-id': h.eventId,
      'x-8x8-transmission-time': String(h.transmissionTime),
      'x-8x8-retry': String(h.retry),
      'x-8x8-signature': `${jws.protected}..${jws.signature}`,
    };
  }

  /**
   * {@link sign} computed by hand with node:crypto, exactly as 8x8's page describes it (signing input
   * `BASE64URL(protected header) || '.' || payload`, RSASSA-PKCS1-v1_5 SHA-256) — independent of jose's signer.
   */
  signByHand(rawBody: string, eventId = randomBytes(16).toString('base64url')): Record<string, string> {
    const tt = Date.now();
    const payload = `{"checksum":${new Uint32Array([crc32(Buffer.from(rawBody, 'utf8'))])[0]},"cid":"${this.customerId}","eid":"${eventId}","retry":0,"tid":"${this.tenantId}","tt":${tt}}`;
    const header = Buffer.from(
      JSON.stringify({ b64: false, crit: ['b64'], kid: this.kid, alg: 'RS256' }),
    ).toString('base64url');
    const sig = rsaSign(
      'sha256',
      Buffer.from(`${header}.${payload}`, 'ascii'),
      KeyObject.from(this.mustKey()),
    ).toString('base64url');
    return {
      'x-8x8-customer-id': this.customerId,
      'x-8x8-tenant-id': this.tenantId,
      'x-8x8-event-id': eventId,
      'x-8x8-transmission-time': String(tt),
      'x-8x8-retry': '0',
      'x-8x8-signature': `${header}..${sig}`,
    };
  }

  /** Sends one event of a conversation to its channel's webhook, signed. @returns status, body and headers sent */
  async send(
    conversationId: string,
    eventType: string,
    data?: Record<string, unknown>,
    over: Parameters<FakeEightByEightCc['sign']>[1] = {},
  ) {
    const conv = this.conversations.get(conversationId);
    const channel = conv ? this.channels.get(String(conv.request.channelId)) : undefined;
    const uri = channel ? this.webhooks.get(channel.webHookId)?.uri : undefined;
    if (!uri) throw new Error(`no webhook for conversation ${conversationId}`);
    const rawBody = JSON.stringify({
      eventType,
      conversationId,
      timestamp: Date.now(),
      ...(data ? { data } : {}),
    });
    const headers = await this.sign(rawBody, over);
    return { ...(await postWebhook(uri, rawBody, headers)), rawBody, headers, uri };
  }

  /**
   * The next `times` conversation creates are carried out but their answer is lost (the connection is reset after
   * the conversation exists: what a client timeout looks like). 8x8's `CONVERSATION_UPDATE` (state `created`, with
   * the request's `user`, so its `caseId`) for such a conversation is sent `at_once` (before the answer would have
   * gone) or `held` until {@link releaseHeldReports} (a late webhook). Other creates report right after answering.
   */
  loseCreateAnswers(times = 1, report: 'at_once' | 'held' = 'at_once'): void {
    this.lostAnswers = { left: times, report };
  }

  /** Sends the held `CONVERSATION_UPDATE created` reports. @returns their webhook statuses */
  async releaseHeldReports(): Promise<number[]> {
    const ids = this.heldReports.splice(0);
    const out: number[] = [];
    for (const id of ids) out.push((await this.reportCreated(id)).status);
    return out;
  }

  /** `CONVERSATION_UPDATE` state `created` of a conversation, with its `user` (8x8 "Webhooks Events Reference"). */
  reportCreated(conversationId: string) {
    const conv = this.conversations.get(conversationId);
    return this.send(conversationId, 'CONVERSATION_UPDATE', {
      state: 'created',
      assignment: conv?.request.assignment ?? { type: 'queue', id: 'q' },
      user: conv?.request.user ?? {},
    });
  }

  queued(conversationId: string, queueId: string, queueName = 'Support') {
    return this.send(conversationId, 'QUEUED', { queueId, queueName });
  }
  agentJoined(conversationId: string, agentId = 'agent-7') {
    return this.send(conversationId, 'MEMBERS_CHANGED', {
      memberType: 'agent',
      change: 'joined',
      id: agentId,
    });
  }
  agentLeft(conversationId: string, agentId = 'agent-7') {
    return this.send(conversationId, 'MEMBERS_CHANGED', { memberType: 'agent', change: 'left', id: agentId });
  }
  transfer(conversationId: string) {
    return this.send(conversationId, 'TRANSFER');
  }
  agentMessage(conversationId: string, text: string, agentId = 'agent-7') {
    return this.send(conversationId, 'MESSAGE', {
      isEcho: false,
      sender: { id: agentId, type: 'agent' },
      text,
    });
  }
  agentTyping(conversationId: string, agentId = 'agent-7') {
    return this.send(conversationId, 'ACTIVITY', {
      name: 'typing',
      value: { users: [{ type: 'agent', id: agentId }] },
    });
  }
  /** The conversation has no interaction left (the agent closed it): `CONVERSATION_UPDATE` state `idle`. */
  idle(conversationId: string) {
    return this.send(conversationId, 'CONVERSATION_UPDATE', {
      state: 'idle',
      assignment: { type: 'queue', id: 'q' },
    });
  }

  private mustKey(): CryptoKey {
    if (!this.privateKey) throw new Error('not listening');
    return this.privateKey;
  }

  private async route(r: RecordedRequest): Promise<FakeResponse> {
    let m: RegExpExecArray | null;
    if (r.method === 'GET' && (m = /^\/chat-gateway\/v1\/jwk\/([^/]+)\/public$/.exec(r.path))) {
      return m[1] === this.kid
        ? { status: 200, body: this.publicJwk }
        : { status: 404, body: { message: `Resource of type JWK with id ${m[1]} was not found.` } };
    }
    if (!r.path.startsWith('/chat-gateway/v1/')) return { status: 404, body: { message: 'not found' } };
    if (r.headers['x-api-key'] !== this.apiKey) {
      return {
        status: 401,
        body: { message: 'Access Denied', errors: [{ code: 'access_denied', message: 'Access Denied' }] },
      };
    }
    const tenant = r.headers['x-8x8-tenant'];
    if (tenant !== undefined && tenant !== this.tenantId) {
      return {
        status: 403,
        body: {
          message: 'The tenant does not belong to customer.',
          errors: [`Header X-8x8-Tenant doesn't match`],
        },
      };
    }
    const p = r.path.slice('/chat-gateway/v1'.length);
    const b = (r.body ?? {}) as FakeChatGatewayBody;
    if (p === '/webhooks' && r.method === 'GET') {
      return {
        status: 200,
        body: {
          _embedded: { webhooks: [...this.webhooks.values()] },
          page: { size: 20, number: 0, totalElements: this.webhooks.size, totalPages: 1 },
        },
      };
    }
    if (p === '/webhooks' && r.method === 'POST') {
      if (!b.name || !b.uri || b.version !== 'Chat Gateway v1.0') {
        return {
          status: 400,
          body: { message: 'Constraint Violation', errors: ['name/uri/version: May not be empty.'] },
        };
      }
      const wh = {
        id: randomUUID(),
        name: String(b.name),
        uri: String(b.uri),
        version: String(b.version),
      };
      this.webhooks.set(wh.id, wh);
      const verify = JSON.stringify({
        notificationVersion: 'Chat Gateway v1.0',
        eventType: 'WEB_HOOK_VERIFY',
      });
      const res = await postWebhook(wh.uri, verify, await this.sign(verify)).catch(() => ({ status: 0 }));
      if (res.status < 200 || res.status >= 300) {
        this.webhooks.delete(wh.id);
        return {
          status: 400,
          body: {
            message: 'Webhook verification failed',
            errors: [{ code: 'webhook_unreachable', message: 'no 2xx' }],
          },
        };
      }
      return { status: 200, body: wh };
    }
    if ((m = /^\/webhooks\/([^/]+)$/.exec(p)) && r.method === 'GET') {
      const wh = this.webhooks.get(m[1]);
      return wh
        ? { status: 200, body: wh }
        : { status: 404, body: { message: `Resource of type WebHook with id ${m[1]} was not found.` } };
    }
    if (p.startsWith('/channels') && r.method === 'GET') {
      if (p === '/channels')
        return {
          status: 200,
          body: {
            _embedded: { channels: [...this.channels.values()] },
            page: { size: 20, number: 0, totalElements: this.channels.size, totalPages: 1 },
          },
        };
      const ch = this.channels.get(p.slice('/channels/'.length));
      return ch
        ? { status: 200, body: ch }
        : { status: 404, body: { message: 'Resource of type Channel was not found.' } };
    }
    if (p === '/channels' && r.method === 'POST') {
      if (
        !b.name ||
        !this.webhooks.has(String(b.webHookId)) ||
        b.routingOptions?.type !== 'queue' ||
        !b.routingOptions?.id
      ) {
        return {
          status: 400,
          body: { message: 'Constraint Violation', errors: ['name/webHookId/routingOptions invalid'] },
        };
      }
      const ch = {
        id: randomUUID(),
        name: String(b.name),
        type: String(b.type ?? 'ChatAPI'),
        webHookId: String(b.webHookId),
        routingOptions: { type: 'queue', id: String(b.routingOptions?.id) },
      };
      this.channels.set(ch.id, ch);
      return { status: 200, body: ch };
    }
    if (p === '/conversations' && r.method === 'POST') {
      const errors: { code: string; message: string }[] = [];
      if (!this.channels.has(String(b.channelId)))
        errors.push({ code: 'invalid_channel', message: `Channel ID ${b.channelId} is invalid.` });
      if (!b.user || typeof b.user !== 'object')
        errors.push({ code: 'invalid_user', message: 'user is required' });
      if ((b.user?.additionalProperties?.length ?? 0) > 30)
        errors.push({ code: 'invalid_additional_properties', message: 'at most 30' });
      if ((b.history?.messages?.length ?? 0) > 200)
        errors.push({ code: 'invalid_history', message: 'at most 200 messages' });
      if (b.assignment && !['queue', 'script'].includes(b.assignment.type))
        errors.push({ code: 'invalid_assignment', message: 'type' });
      if (errors.length) return { status: 400, body: { message: 'Invalid request', errors } };
      const id = randomBytes(16).toString('base64url');
      this.conversations.set(id, { id, request: b, messages: [], userRemoved: false });
      if (this.lostAnswers.left > 0) {
        this.lostAnswers.left--;
        if (this.lostAnswers.report === 'held') this.heldReports.push(id);
        else await this.reportCreated(id).catch(() => undefined);
        return { status: 0, drop: true };
      }
      if (this.reportCreates) setImmediate(() => void this.reportCreated(id).catch(() => undefined));
      return { status: 202, body: { conversationId: id, createdAt: new Date().toISOString() } };
    }
    if ((m = /^\/conversations\/([^/]+)\/messages$/.exec(p)) && r.method === 'POST') {
      const conv = this.conversations.get(m[1]);
      if (!conv) return { status: 404, body: { message: 'Entity of type Conversation was not found.' } };
      if (!['user', 'bot'].includes(String(b.authorType)) || typeof b.text !== 'string') {
        return {
          status: 400,
          body: {
            message: 'Invalid authorType',
            errors: { code: 'invalid_json_object', message: 'authorType' },
          },
        };
      }
      conv.messages.push({ authorType: String(b.authorType), text: b.text });
      return { status: 202 };
    }
    if ((m = /^\/conversations\/([^/]+)\/participants\/user$/.exec(p)) && r.method === 'PATCH') {
      const conv = this.conversations.get(m[1]);
      if (!conv) return { status: 404, body: { message: 'Entity of type Conversation was not found.' } };
      if (b.removed !== true) return { status: 400, body: { message: 'removed must be true' } };
      conv.userRemoved = true;
      return { status: 204 };
    }
    return { status: 404, body: { message: `${r.method} ${r.path}` } };
  }
}

/** CRC-32 (IEEE 802.3, the zlib / java.util.zip.CRC32 polynomial), bit by bit: an independent check of crc-32. */
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
