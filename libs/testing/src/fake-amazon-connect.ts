import { createHash, createHmac, randomUUID, type Hash, type Hmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { WebSocketServer, type WebSocket } from 'ws';

/** SHA-256 / HMAC-SHA256 for `@smithy/signature-v4` (its `Checksum` interface) over node:crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const toBuffer = (d: SourceData): Buffer =>
  typeof d === 'string'
    ? Buffer.from(d, 'utf8')
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);
class NodeSha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret ? createHmac('sha256', toBuffer(this.secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.h.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
}

/** A contact flow of the fake instance. */
export interface FakeFlow {
  id: string;
  name: string;
  status: 'PUBLISHED' | 'SAVED';
  state?: 'ACTIVE' | 'ARCHIVED';
}

/** One contact the fake holds. */
export interface FakeContact {
  contactId: string;
  kind: 'chat' | 'voice';
  instanceId: string;
  contactFlowId: string;
  attributes: Record<string, string>;
  clientToken?: string;
  participantToken?: string;
  connectionToken?: string;
  /** Customer connected through CreateParticipantConnection with ConnectParticipant: true. */
  customerConnected: boolean;
  /** Lines the customer sent (SendMessage), in order. */
  customerMessages: { id: string; content: string; clientToken?: string }[];
  destinationPhoneNumber?: string;
  queueId?: string;
  stopped: boolean;
  sockets: Set<WebSocket>;
  /** Every chat item so far (what `GetTranscript` returns). */
  transcript: Record<string, unknown>[];
  /** Participant `SendEvent`s of the customer (content type), in order. */
  customerEvents: string[];
  /** Customer attachments completed through Start/CompleteAttachmentUpload. */
  customerAttachments: { attachmentId: string; name: string; contentType: string; bytes: Buffer }[];
  /** Transfer legs: the first contact of the chain and the one this leg was transferred from. */
  initialContactId?: string;
  previousContactId?: string;
  initiationMethod?: string;
}

/** A request the fake received (after signature checks). */
export interface FakeConnectRequest {
  operation: string;
  method: string;
  path: string;
  body: Record<string, unknown>;
  accessKeyId?: string;
}

/** Queued failures for an operation: AWS error type and HTTP status, `times` in a row. */
interface Failure {
  errorType: string;
  status: number;
  message: string;
  times: number;
}

/**
 * A local Amazon Connect on 127.0.0.1 speaking the documented wire formats the AWS SDK v3 uses:
 * - Connect (restJson1, SigV4 service `connect`): `PUT /contact/chat` (StartChatContact),
 *   `PUT /contact/outbound-voice`, `POST /contact/stop`, `GET /contact-flows/{instance}/{flow}`,
 *   `GET /queues-summary/{instance}`, `GET /contact/attributes/{instance}/{contact}`; errors as status +
 *   `x-amzn-errortype` + `{"message"}`;
 * - STS (awsQuery, SigV4 service `sts`): `Action=AssumeRole` → XML credentials;
 * - Participant Service (restJson1, `X-Amz-Bearer` tokens): `POST /participant/connection`,
 *   `/participant/message`, `/participant/disconnect`;
 * - the participant websocket (`/ws/{connectionToken}`): `aws/subscribe`, `aws/heartbeat`, `aws/chat`
 *   messages whose `content` is a JSON string.
 * Every SigV4 request is verified with `@smithy/signature-v4` against the registered keys (wrong key or
 * secret → 403 `UnrecognizedClientException` / `InvalidSignatureException`). Tests drive the agent side
 * (`agentJoins`, `agentSays`, `agentTyping`, `agentEnds`) and inject faults (`failNext`, `down`).
 */
export class FakeAmazonConnect {
  readonly region = 'us-east-1';
  readonly instanceId = randomUUID();
  readonly flows = new Map<string, FakeFlow>();
  readonly queues = [
    { Id: randomUUID(), Name: 'Billing', QueueType: 'STANDARD' },
    { Id: randomUUID(), Name: 'Tech Support', QueueType: 'STANDARD' },
  ];
  readonly contacts = new Map<string, FakeContact>();
  /**
   * Attachments by id (the fake's "S3 bucket"): uploads to the pre-signed URL of `StartAttachmentUpload`, and
   * agent attachments served at `GetAttachment`'s URL.
   */
  readonly attachments = new Map<
    string,
    {
      contactId: string;
      name: string;
      contentType: string;
      sizeBytes: number;
      bytes?: Buffer;
      uploadHeaders?: Record<string, string>;
      completed: boolean;
    }
  >();
  readonly requests: FakeConnectRequest[] = [];
  /** Access key id → secret (and session token for assumed-role keys). */
  private readonly keys = new Map<
    string,
    { secret: string; sessionToken?: string; deniedActions: Set<string> }
  >();
  private readonly roles = new Map<string, { externalId?: string }>();
  private readonly failures = new Map<string, Failure[]>();
  private isDown = false;
  /** Requests answered 503 while {@link down}. */
  refusedWhileDown = 0;
  private server?: Server;
  private wss?: WebSocketServer;
  url = '';

  constructor() {
    const published = {
      id: randomUUID(),
      name: 'Default inbound',
      status: 'PUBLISHED' as const,
      state: 'ACTIVE' as const,
    };
    this.flows.set(published.id, published);
  }

  /** The published default flow's id. */
  get defaultFlowId(): string {
    const f = [...this.flows.values()].find((x) => x.status === 'PUBLISHED');
    if (!f) throw new Error('the fake has no published flow');
    return f.id;
  }

  /** Registers IAM user keys; `deniedActions` (e.g. `connect:ListQueues`) answer AccessDeniedException. */
  addKey(accessKeyId: string, secret: string, deniedActions: string[] = []): void {
    this.keys.set(accessKeyId, { secret, deniedActions: new Set(deniedActions) });
  }

  /** Registers a role that AssumeRole grants (with its required external id). */
  addRole(roleArn: string, externalId?: string): void {
    this.roles.set(roleArn, { externalId });
  }

  /** Adds a flow (e.g. an unpublished one) and returns its id. */
  addFlow(status: FakeFlow['status'], name = 'flow'): string {
    const id = randomUUID();
    this.flows.set(id, { id, name, status, state: 'ACTIVE' });
    return id;
  }

  /** The next `times` calls of `operation` fail with `errorType` / `status`. */
  failNext(operation: string, errorType: string, status: number, times = 1, message = 'injected'): void {
    const list = this.failures.get(operation) ?? [];
    list.push({ errorType, status, message, times });
    this.failures.set(operation, list);
  }

  /** While down, every request is answered 503 `ServiceUnavailableException`. */
  down(on = true): void {
    this.isDown = on;
  }

  /** Operations received, by name. */
  calls(operation: string): FakeConnectRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    const wss = new WebSocketServer({ noServer: true });
    this.server = server;
    this.wss = wss;
    server.on('upgrade', (req, socket, head) => {
      const token = decodeURIComponent((req.url ?? '').replace(/^\/ws\//, ''));
      const contact = [...this.contacts.values()].find((c) => c.connectionToken === token);
      if (!contact || contact.stopped) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.attach(contact, ws));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const c of this.contacts.values()) for (const s of c.sockets) s.terminate();
    this.wss?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  // ---- agent side --------------------------------------------------------------------------------

  /** The agent joins the chat (`participant.joined`, role AGENT). */
  agentJoins(contactId: string, name = 'Alex (Connect)'): void {
    this.push(contactId, this.event(contactId, 'participant.joined', 'AGENT', name));
  }

  agentTyping(contactId: string): void {
    this.push(contactId, this.event(contactId, 'typing', 'AGENT', 'Alex (Connect)'));
  }

  /** An agent text message; returns its id. */
  agentSays(contactId: string, text: string): string {
    const id = randomUUID();
    this.push(contactId, {
      AbsoluteTime: new Date().toISOString(),
      Content: text,
      ContentType: 'text/plain',
      Id: id,
      Type: 'MESSAGE',
      ParticipantId: 'agent-participant',
      DisplayName: 'Alex (Connect)',
      ParticipantRole: 'AGENT',
      ContactId: contactId,
    });
    return id;
  }

  /**
   * The agent sends a file: stored in the fake's bucket and pushed as an `ATTACHMENT` item (`Attachments[]` with
   * `AttachmentId`, `AttachmentName`, `ContentType`, `Status: APPROVED`). @returns the item id and attachment id
   */
  agentSendsFile(
    contactId: string,
    name: string,
    contentType: string,
    bytes: Buffer,
  ): { id: string; attachmentId: string } {
    const id = randomUUID();
    const attachmentId = `att-${randomUUID()}`;
    this.attachments.set(attachmentId, {
      contactId,
      name,
      contentType,
      sizeBytes: bytes.length,
      bytes,
      completed: true,
    });
    this.push(contactId, {
      AbsoluteTime: new Date().toISOString(),
      Id: id,
      Type: 'ATTACHMENT',
      ParticipantId: 'agent-participant',
      DisplayName: 'Alex (Connect)',
      ParticipantRole: 'AGENT',
      ContactId: contactId,
      Attachments: [
        { ContentType: contentType, AttachmentId: attachmentId, AttachmentName: name, Status: 'APPROVED' },
      ],
    });
    return { id, attachmentId };
  }

  /** The agent leaves and the chat ends (`participant.left` AGENT, then `chat.ended`). */
  agentEnds(contactId: string): void {
    this.push(contactId, this.event(contactId, 'participant.left', 'AGENT', 'Alex (Connect)'));
    this.endChat(contactId);
  }

  // ---- contact events (EventBridge rule → API destination) -------------------------------------

  /**
   * Where contact events go, as an EventBridge API destination delivers them: `url` (the hub's
   * `/v1/ccaas/webhooks/{integrationId}`) and the headers its connection adds (`API_KEY`: `{ [name]: value }`;
   * `BASIC`: `{ authorization: 'Basic …' }`).
   */
  eventDestination?: { url: string; headers: Record<string, string> };

  /**
   * Builds one "Amazon Connect Contact Event" (EventBridge envelope, source `aws.connect`) of a contact.
   * `agentConnected` adds `agentInfo` (as Connect does once an agent was connected).
   */
  contactEvent(
    contactId: string,
    eventType:
      'INITIATED' | 'CONNECTED_TO_SYSTEM' | 'QUEUED' | 'CONNECTED_TO_AGENT' | 'DISCONNECTED' | 'COMPLETED',
    opts: { disconnectReason?: string; agentConnected?: boolean; queueId?: string } = {},
  ): Record<string, unknown> {
    const c = this.contacts.get(contactId);
    const leg = c?.previousContactId
      ? {
          initialContactId: c.initialContactId ?? c.previousContactId,
          previousContactId: c.previousContactId,
          initiationMethod: c.initiationMethod ?? 'TRANSFER',
        }
      : { initialContactId: contactId, initiationMethod: 'API' };
    const instanceArn = `arn:aws:connect:${this.region}:123456789012:instance/${this.instanceId}`;
    const agentArn = `${instanceArn}/agent/11111111-2222-4333-8444-555555555555`;
    const queueId = opts.queueId ?? c?.queueId ?? this.queues[0].Id;
    const now = new Date().toISOString();
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Amazon Connect Contact Event',
      source: 'aws.connect',
      account: '123456789012',
      time: now,
      region: this.region,
      resources: [`${instanceArn}/contact/${contactId}`, instanceArn],
      detail: {
        eventType,
        contactId,
        ...leg,
        channel: c?.kind === 'chat' ? 'CHAT' : 'VOICE',
        instanceArn,
        initiationTimestamp: now,
        ...(eventType === 'QUEUED' || opts.agentConnected
          ? { queueInfo: { queueArn: `${instanceArn}/queue/${queueId}`, enqueueTimestamp: now } }
          : {}),
        ...(eventType === 'CONNECTED_TO_AGENT' || opts.agentConnected
          ? { agentInfo: { agentArn, connectedToAgentTimestamp: now } }
          : {}),
        ...(eventType === 'DISCONNECTED'
          ? { disconnectTimestamp: now, disconnectReason: opts.disconnectReason ?? 'CUSTOMER_DISCONNECT' }
          : {}),
      },
    };
  }

  /**
   * The agent (or a flow) transfers a voice contact: Connect creates a NEW contact for the next leg, with
   * `initiationMethod` `TRANSFER` (agent transfer, quick connect) or `QUEUE_TRANSFER` (transfer to queue),
   * `previousContactId` = the leg it came from and `initialContactId` = the chain's first contact (Connect
   * "contact events data model"; `Contact` of DescribeContact). Its events come from {@link contactEvent}.
   * @returns the new leg's contact id
   */
  transferLeg(fromContactId: string, method: 'TRANSFER' | 'QUEUE_TRANSFER' = 'TRANSFER'): string {
    const from = this.contacts.get(fromContactId);
    if (!from) throw new Error(`no contact ${fromContactId}`);
    const c: FakeContact = {
      ...from,
      contactId: randomUUID(),
      clientToken: undefined,
      customerMessages: [],
      customerEvents: [],
      customerAttachments: [],
      stopped: false,
      sockets: new Set(),
      transcript: [],
      initialContactId: from.initialContactId ?? from.contactId,
      previousContactId: from.contactId,
      initiationMethod: method,
    };
    this.contacts.set(c.contactId, c);
    return c.contactId;
  }

  /**
   * POSTs an event to {@link eventDestination} the way an API destination does (JSON body, the connection's
   * auth header, EventBridge's user agent); `headers` override them (forgeries). Returns the HTTP status.
   */
  async deliverEvent(event: Record<string, unknown>, headers?: Record<string, string>): Promise<number> {
    const d = this.eventDestination;
    if (!d) throw new Error('set eventDestination first');
    const r = await fetch(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Amazon/EventBridge/ApiDestinations',
        ...(headers ?? d.headers),
      },
      body: JSON.stringify(event),
    });
    await r.arrayBuffer();
    return r.status;
  }

  /** Whether a customer socket is subscribed to the contact's chat. */
  subscribed(contactId: string): boolean {
    return [...(this.contacts.get(contactId)?.sockets ?? [])].some(
      (s) => (s as WebSocket & { subscribed?: boolean }).subscribed,
    );
  }

  // ---- internals ---------------------------------------------------------------------------------

  private endChat(contactId: string): void {
    const c = this.contacts.get(contactId);
    if (!c || c.stopped) return;
    this.push(contactId, this.event(contactId, 'chat.ended', 'SYSTEM', 'SYSTEM'));
    c.stopped = true;
  }

  private event(contactId: string, name: string, role: string, displayName: string): Record<string, unknown> {
    return {
      AbsoluteTime: new Date().toISOString(),
      ContentType: `application/vnd.amazonaws.connect.event.${name}`,
      Id: randomUUID(),
      Type: 'EVENT',
      ParticipantId: role === 'AGENT' ? 'agent-participant' : 'system',
      DisplayName: displayName,
      ParticipantRole: role,
      ContactId: contactId,
    };
  }

  private push(contactId: string, item: Record<string, unknown>): void {
    const c = this.contacts.get(contactId);
    if (!c) throw new Error(`no contact ${contactId}`);
    c.transcript.push(item);
    const frame = JSON.stringify({
      topic: 'aws/chat',
      contentType: 'application/json',
      content: JSON.stringify(item),
    });
    for (const s of c.sockets) if ((s as WebSocket & { subscribed?: boolean }).subscribed) s.send(frame);
  }

  private attach(contact: FakeContact, ws: WebSocket): void {
    contact.sockets.add(ws);
    ws.on('close', () => contact.sockets.delete(ws));
    ws.on('message', (raw) => {
      let m: { topic?: string; content?: { topics?: string[] } };
      try {
        m = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (m.topic === 'aws/subscribe') {
        const ok = m.content?.topics?.includes('aws/chat');
        (ws as WebSocket & { subscribed?: boolean }).subscribed = !!ok;
        ws.send(
          JSON.stringify({
            topic: 'aws/subscribe',
            content: { status: ok ? 'success' : 'failure', topics: m.content?.topics ?? [] },
          }),
        );
      } else if (m.topic === 'aws/heartbeat') {
        ws.send(JSON.stringify({ topic: 'aws/heartbeat' }));
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/s3/')) return this.bucket(req, res, url, Buffer.concat(chunks));
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const awsError = (status: number, type: string, message: string) =>
      send(
        status,
        { message, Message: message },
        { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.connect/` },
      );
    try {
      if (this.isDown) this.refusedWhileDown++;
      if (this.isDown) return awsError(503, 'ServiceUnavailableException', 'service unavailable');
      const route = this.route(req.method ?? 'GET', url.pathname, raw);
      if (!route) return awsError(404, 'UnknownOperationException', `no route ${req.method} ${url.pathname}`);
      let body: Record<string, unknown> = {};
      if (route.service !== 'sts' && raw) body = JSON.parse(raw) as Record<string, unknown>;
      let accessKeyId: string | undefined;
      if (route.service !== 'participant') {
        const verdict = await this.verifySigV4(req, url, raw, route.service);
        if ('error' in verdict) {
          return route.service === 'sts'
            ? this.stsError(res, 403, verdict.error, verdict.message)
            : awsError(403, verdict.error, verdict.message);
        }
        accessKeyId = verdict.accessKeyId;
        const key = this.keys.get(accessKeyId);
        if (key?.deniedActions.has(`${route.service}:${route.operation}`)) {
          return awsError(
            403,
            'AccessDeniedException',
            `not authorized to perform ${route.service}:${route.operation}`,
          );
        }
      }
      this.requests.push({
        operation: route.operation,
        method: req.method ?? '',
        path: url.pathname,
        body,
        accessKeyId,
      });
      const failures = this.failures.get(route.operation);
      if (failures?.length) {
        const f = failures[0];
        if (--f.times <= 0) failures.shift();
        return route.service === 'sts'
          ? this.stsError(res, f.status, f.errorType, f.message)
          : awsError(f.status, f.errorType, f.message);
      }
      const out = await route.run(body, url, req, raw);
      if (out.xml) {
        res.writeHead(out.status ?? 200, { 'content-type': 'text/xml' });
        res.end(out.xml);
        return;
      }
      if (out.error) return awsError(out.status ?? 400, out.error, out.message ?? out.error);
      send(out.status ?? 200, out.body ?? {});
    } catch (e) {
      awsError(500, 'InternalServiceException', (e as Error).message);
    }
  }

  /**
   * The pre-signed S3 URLs: `PUT /s3/{attachmentId}?X-Amz-Expires=…` (the upload of `StartAttachmentUpload`; the
   * `HeadersToInclude` must be sent, the size must match) and `GET /s3/{attachmentId}` (`GetAttachment`'s download).
   */
  private bucket(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const a = this.attachments.get(decodeURIComponent(url.pathname.slice('/s3/'.length)));
    const fail = (status: number, code: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<Error><Code>${code}</Code></Error>`);
    };
    if (!a) return fail(404, 'NoSuchKey');
    if (req.method === 'PUT') {
      for (const [k, v] of Object.entries(a.uploadHeaders ?? {})) {
        if (req.headers[k.toLowerCase()] !== v) return fail(403, 'SignatureDoesNotMatch');
      }
      if (body.length !== a.sizeBytes) return fail(400, 'IncompleteBody');
      a.bytes = body;
      res.writeHead(200);
      res.end();
      return;
    }
    if (req.method === 'GET' && a.bytes && a.completed) {
      res.writeHead(200, { 'content-type': a.contentType, 'content-length': String(a.bytes.length) });
      res.end(a.bytes);
      return;
    }
    fail(403, 'AccessDenied');
  }

  private stsError(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  }

  /** Verifies an AWS Signature Version 4 `Authorization` header by re-signing the request. */
  private async verifySigV4(
    req: IncomingMessage,
    url: URL,
    body: string,
    service: string,
  ): Promise<{ accessKeyId: string } | { error: string; message: string }> {
    const auth = String(req.headers['authorization'] ?? '');
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m)
      return {
        error: 'MissingAuthenticationTokenException',
        message: 'missing or malformed SigV4 Authorization',
      };
    const [, accessKeyId, , region, signedService, signedHeaders, signature] = m;
    const key = this.keys.get(accessKeyId);
    if (!key)
      return {
        error: service === 'sts' ? 'InvalidClientTokenId' : 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      };
    if (key.sessionToken && req.headers['x-amz-security-token'] !== key.sessionToken) {
      return { error: 'UnrecognizedClientException', message: 'session token mismatch' };
    }
    if (signedService !== service || region !== this.region) {
      return {
        error: 'InvalidSignatureException',
        message: `credential scope ${region}/${signedService} is not ${this.region}/${service}`,
      };
    }
    const headers: Record<string, string> = {};
    for (const h of signedHeaders.split(';')) headers[h] = String(req.headers[h] ?? '');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const signer = new SignatureV4({
      service,
      region,
      credentials: { accessKeyId, secretAccessKey: key.secret, sessionToken: key.sessionToken },
      sha256: NodeSha256,
      uriEscapePath: true,
    });
    const signed = await signer.sign(
      {
        method: req.method ?? 'GET',
        protocol: 'http:',
        hostname: String(req.headers.host ?? '').split(':')[0],
        path: url.pathname,
        query,
        headers,
        body,
      },
      { signingDate, signableHeaders: new Set(signedHeaders.split(';')) },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))?.[1];
    if (expected !== signature) {
      return {
        error: service === 'sts' ? 'SignatureDoesNotMatch' : 'InvalidSignatureException',
        message: 'The request signature we calculated does not match the signature you provided.',
      };
    }
    return { accessKeyId };
  }

  private route(
    method: string,
    path: string,
    raw: string,
  ):
    | {
        service: 'connect' | 'participant' | 'sts';
        operation: string;
        run: (
          body: Record<string, unknown>,
          url: URL,
          req: IncomingMessage,
          raw: string,
        ) => Promise<{ status?: number; body?: unknown; error?: string; message?: string; xml?: string }>;
      }
    | undefined {
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (method === 'POST' && path === '/' && /Action=AssumeRole/.test(raw)) {
      return { service: 'sts', operation: 'AssumeRole', run: async () => this.assumeRole(raw) };
    }
    if (method === 'PUT' && path === '/contact/chat')
      return { service: 'connect', operation: 'StartChatContact', run: async (b) => this.startChat(b) };
    if (method === 'PUT' && path === '/contact/outbound-voice')
      return {
        service: 'connect',
        operation: 'StartOutboundVoiceContact',
        run: async (b) => this.startVoice(b),
      };
    if (method === 'POST' && path === '/contact/stop')
      return { service: 'connect', operation: 'StopContact', run: async (b) => this.stopContact(b) };
    if (method === 'GET' && seg[0] === 'contact-flows' && seg.length === 3) {
      return {
        service: 'connect',
        operation: 'DescribeContactFlow',
        run: async () => this.describeFlow(seg[1], seg[2]),
      };
    }
    if (method === 'GET' && seg[0] === 'contact-flows-summary' && seg.length === 2) {
      return {
        service: 'connect',
        operation: 'ListContactFlows',
        run: async (_b, u) => this.listFlows(seg[1], u),
      };
    }
    if (method === 'GET' && seg[0] === 'queues-summary' && seg.length === 2) {
      return { service: 'connect', operation: 'ListQueues', run: async () => this.listQueues(seg[1]) };
    }
    if (method === 'GET' && seg[0] === 'contact' && seg[1] === 'attributes' && seg.length === 4) {
      return {
        service: 'connect',
        operation: 'GetContactAttributes',
        run: async () => this.getAttributes(seg[2], seg[3]),
      };
    }
    if (method === 'POST' && path === '/participant/connection') {
      return {
        service: 'participant',
        operation: 'CreateParticipantConnection',
        run: async (b, _u, req) => this.createConnection(b, req),
      };
    }
    if (method === 'POST' && path === '/participant/message') {
      return {
        service: 'participant',
        operation: 'SendMessage',
        run: async (b, _u, req) => this.sendMessage(b, req),
      };
    }
    if (method === 'POST' && path === '/participant/transcript') {
      return {
        service: 'participant',
        operation: 'GetTranscript',
        run: async (_b, _u, req) => this.getTranscript(req),
      };
    }
    if (method === 'POST' && path === '/participant/event') {
      return {
        service: 'participant',
        operation: 'SendEvent',
        run: async (b, _u, req) => this.sendEvent(b, req),
      };
    }
    if (method === 'POST' && path === '/participant/start-attachment-upload') {
      return {
        service: 'participant',
        operation: 'StartAttachmentUpload',
        run: async (b, _u, req) => this.startAttachmentUpload(b, req),
      };
    }
    if (method === 'POST' && path === '/participant/complete-attachment-upload') {
      return {
        service: 'participant',
        operation: 'CompleteAttachmentUpload',
        run: async (b, _u, req) => this.completeAttachmentUpload(b, req),
      };
    }
    if (method === 'POST' && path === '/participant/attachment') {
      return {
        service: 'participant',
        operation: 'GetAttachment',
        run: async (b, _u, req) => this.getAttachment(b, req),
      };
    }
    if (method === 'POST' && path === '/participant/disconnect') {
      return {
        service: 'participant',
        operation: 'DisconnectParticipant',
        run: async (_b, _u, req) => this.disconnect(req),
      };
    }
    return undefined;
  }

  private assumeRole(raw: string) {
    const p = new URLSearchParams(raw);
    const role = this.roles.get(p.get('RoleArn') ?? '');
    if (!role || (role.externalId && role.externalId !== p.get('ExternalId'))) {
      return {
        status: 403,
        xml: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole on resource ${p.get('RoleArn')}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      };
    }
    const id = `ASIA${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
    const secret = randomUUID() + randomUUID();
    const token = Buffer.from(randomUUID()).toString('base64');
    this.keys.set(id, { secret, sessionToken: token, deniedActions: new Set() });
    const exp = new Date(Date.now() + Number(p.get('DurationSeconds') ?? 3600) * 1000).toISOString();
    return {
      xml: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${id}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey><SessionToken>${token}</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><Arn>${p.get('RoleArn')}/${p.get('RoleSessionName')}</Arn><AssumedRoleId>AROA:${p.get('RoleSessionName')}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    };
  }

  private checkInstanceAndFlow(b: Record<string, unknown>) {
    if (b['InstanceId'] !== this.instanceId)
      return {
        status: 404,
        error: 'ResourceNotFoundException',
        message: `Instance ${String(b['InstanceId'])} not found`,
      };
    const flow = this.flows.get(String(b['ContactFlowId']));
    if (!flow)
      return {
        status: 404,
        error: 'ResourceNotFoundException',
        message: `ContactFlow ${String(b['ContactFlowId'])} not found`,
      };
    if (flow.status !== 'PUBLISHED')
      return {
        status: 400,
        error: 'InvalidParameterException',
        message: `ContactFlow ${flow.id} is not published`,
      };
    const attrs = (b['Attributes'] ?? {}) as Record<string, string>;
    const size = Object.entries(attrs).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
      0,
    );
    if (size > 32_768)
      return {
        status: 400,
        error: 'InvalidParameterException',
        message: `Attributes exceed 32768 bytes (${size})`,
      };
    const bad = Object.keys(attrs).find((k) => !/^[A-Za-z0-9_-]+$/.test(k));
    if (bad !== undefined)
      return {
        status: 400,
        error: 'InvalidParameterException',
        message: `Attribute key has invalid characters`,
      };
    return null;
  }

  private startChat(b: Record<string, unknown>) {
    const bad = this.checkInstanceAndFlow(b);
    if (bad) return bad;
    const existing = [...this.contacts.values()].find(
      (c) => c.clientToken && c.clientToken === b['ClientToken'],
    );
    const c: FakeContact = existing ?? {
      contactId: randomUUID(),
      kind: 'chat',
      instanceId: this.instanceId,
      contactFlowId: String(b['ContactFlowId']),
      attributes: (b['Attributes'] ?? {}) as Record<string, string>,
      clientToken: b['ClientToken'] as string | undefined,
      participantToken: `pt-${randomUUID()}`,
      customerConnected: false,
      customerMessages: [],
      customerEvents: [],
      customerAttachments: [],
      stopped: false,
      sockets: new Set(),
      transcript: [],
    };
    this.contacts.set(c.contactId, c);
    return {
      body: {
        ContactId: c.contactId,
        ParticipantId: `customer-${c.contactId.slice(0, 8)}`,
        ParticipantToken: c.participantToken,
      },
    };
  }

  private startVoice(b: Record<string, unknown>) {
    const bad = this.checkInstanceAndFlow(b);
    if (bad) return bad;
    if (!/^\+[1-9]\d{1,14}$/.test(String(b['DestinationPhoneNumber']))) {
      return {
        status: 400,
        error: 'InvalidParameterException',
        message: 'DestinationPhoneNumber is not E.164',
      };
    }
    const existing = [...this.contacts.values()].find(
      (c) => c.clientToken && c.clientToken === b['ClientToken'],
    );
    const c: FakeContact = existing ?? {
      contactId: randomUUID(),
      kind: 'voice',
      instanceId: this.instanceId,
      contactFlowId: String(b['ContactFlowId']),
      attributes: (b['Attributes'] ?? {}) as Record<string, string>,
      clientToken: b['ClientToken'] as string | undefined,
      customerConnected: false,
      customerMessages: [],
      customerEvents: [],
      customerAttachments: [],
      destinationPhoneNumber: String(b['DestinationPhoneNumber']),
      queueId: b['QueueId'] as string | undefined,
      stopped: false,
      sockets: new Set(),
      transcript: [],
    };
    this.contacts.set(c.contactId, c);
    return { body: { ContactId: c.contactId } };
  }

  private stopContact(b: Record<string, unknown>) {
    const c = this.contacts.get(String(b['ContactId']));
    if (!c || b['InstanceId'] !== this.instanceId)
      return { status: 404, error: 'ContactNotFoundException', message: 'Contact not found' };
    if (c.stopped) return { status: 400, error: 'InvalidRequestException', message: 'Contact already ended' };
    if (c.kind === 'chat') this.endChat(c.contactId);
    c.stopped = true;
    return { body: {} };
  }

  private describeFlow(instanceId: string, flowId: string) {
    if (instanceId !== this.instanceId)
      return { status: 404, error: 'ResourceNotFoundException', message: 'Instance not found' };
    const f = this.flows.get(flowId);
    if (!f)
      return { status: 404, error: 'ResourceNotFoundException', message: `ContactFlow ${flowId} not found` };
    return {
      body: {
        ContactFlow: {
          Arn: `arn:aws:connect:${this.region}:123456789012:instance/${instanceId}/contact-flow/${f.id}`,
          Id: f.id,
          Name: f.name,
          Type: 'CONTACT_FLOW',
          State: f.state ?? 'ACTIVE',
          Status: f.status,
          Content: '{}',
        },
      },
    };
  }

  private listQueues(instanceId: string) {
    if (instanceId !== this.instanceId)
      return { status: 404, error: 'ResourceNotFoundException', message: 'Instance not found' };
    return {
      body: {
        QueueSummaryList: this.queues.map((q) => ({
          ...q,
          Arn: `arn:aws:connect:${this.region}:123456789012:instance/${instanceId}/queue/${q.Id}`,
        })),
      },
    };
  }

  /** `ListContactFlows`; pages hold at most 2 flows whatever `maxResults` asks (so clients must follow `NextToken`). */
  private listFlows(instanceId: string, url: URL) {
    if (instanceId !== this.instanceId)
      return { status: 404, error: 'ResourceNotFoundException', message: 'Instance not found' };
    const all = [...this.flows.values()];
    const start = Number(url.searchParams.get('nextToken') ?? 0);
    const size = Math.min(2, Number(url.searchParams.get('maxResults') ?? 100));
    const page = all.slice(start, start + size);
    return {
      body: {
        ContactFlowSummaryList: page.map((f) => ({
          Id: f.id,
          Arn: `arn:aws:connect:${this.region}:123456789012:instance/${instanceId}/contact-flow/${f.id}`,
          Name: f.name,
          ContactFlowType: 'CONTACT_FLOW',
          ContactFlowState: f.state ?? 'ACTIVE',
          ContactFlowStatus: f.status,
        })),
        ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
      },
    };
  }

  private getAttributes(instanceId: string, contactId: string) {
    const c = this.contacts.get(contactId);
    if (!c || instanceId !== this.instanceId)
      return { status: 404, error: 'ResourceNotFoundException', message: 'Contact not found' };
    return { body: { Attributes: c.attributes } };
  }

  private bearer(req: IncomingMessage): string {
    return String(req.headers['x-amz-bearer'] ?? '');
  }

  private createConnection(b: Record<string, unknown>, req: IncomingMessage) {
    const c = [...this.contacts.values()].find((x) => x.participantToken === this.bearer(req));
    if (!c) return { status: 403, error: 'AccessDeniedException', message: 'invalid participant token' };
    if (c.stopped) return { status: 403, error: 'AccessDeniedException', message: 'chat has ended' };
    if (b['ConnectParticipant'] === true) c.customerConnected = true;
    c.connectionToken ??= `ct-${randomUUID()}`;
    const expiry = new Date(Date.now() + 100_000).toISOString();
    return {
      body: {
        Websocket: {
          Url: `${this.url.replace(/^http/, 'ws')}/ws/${encodeURIComponent(c.connectionToken)}`,
          ConnectionExpiry: expiry,
        },
        ConnectionCredentials: {
          ConnectionToken: c.connectionToken,
          Expiry: new Date(Date.now() + 86_400_000).toISOString(),
        },
      },
    };
  }

  /** The contact of a connected customer's `X-Amz-Bearer` connection token, or an error answer. */
  private connected(req: IncomingMessage): FakeContact | { status: number; error: string; message: string } {
    const c = [...this.contacts.values()].find(
      (x) => x.connectionToken && x.connectionToken === this.bearer(req),
    );
    if (!c) return { status: 403, error: 'AccessDeniedException', message: 'invalid connection token' };
    if (!c.customerConnected)
      return { status: 403, error: 'AccessDeniedException', message: 'participant not connected' };
    if (c.stopped) return { status: 403, error: 'AccessDeniedException', message: 'chat has ended' };
    return c;
  }

  /** Participant `SendEvent` (`ContentType` e.g. `application/vnd.amazonaws.connect.event.typing`). */
  private sendEvent(b: Record<string, unknown>, req: IncomingMessage) {
    const c = this.connected(req);
    if ('error' in c) return c;
    const type = String(b['ContentType'] ?? '');
    if (!/^application\/vnd\.amazonaws\.connect\.event\./.test(type))
      return { status: 400, error: 'ValidationException', message: 'ContentType is not an event type' };
    c.customerEvents.push(type);
    return { body: { Id: randomUUID(), AbsoluteTime: new Date().toISOString() } };
  }

  /** Documented limits: 20 MB, the admin guide's file types (here: the MIME types the hub maps them to). */
  static readonly ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;

  /** `StartAttachmentUpload` → `{ AttachmentId, UploadMetadata: { Url, UrlExpiry, HeadersToInclude } }`. */
  private startAttachmentUpload(b: Record<string, unknown>, req: IncomingMessage) {
    const c = this.connected(req);
    if ('error' in c) return c;
    const size = Number(b['AttachmentSizeInBytes']);
    if (!b['AttachmentName'] || !b['ContentType'] || !b['ClientToken'] || !Number.isInteger(size) || size < 1)
      return {
        status: 400,
        error: 'ValidationException',
        message: 'AttachmentName/ContentType/size/ClientToken',
      };
    if (size > FakeAmazonConnect.ATTACHMENT_MAX_BYTES)
      return { status: 402, error: 'ServiceQuotaExceededException', message: 'attachment too large' };
    const id = `att-${randomUUID()}`;
    const headers = { 'Content-Type': String(b['ContentType']), 'x-amz-server-side-encryption': 'AES256' };
    this.attachments.set(id, {
      contactId: c.contactId,
      name: String(b['AttachmentName']),
      contentType: String(b['ContentType']),
      sizeBytes: size,
      uploadHeaders: headers,
      completed: false,
    });
    return {
      body: {
        AttachmentId: id,
        UploadMetadata: {
          Url: `${this.url}/s3/${encodeURIComponent(id)}?X-Amz-Expires=300&X-Amz-Signature=fake`,
          UrlExpiry: new Date(Date.now() + 300_000).toISOString(),
          HeadersToInclude: headers,
        },
      },
    };
  }

  /** `CompleteAttachmentUpload` `{ AttachmentIds, ClientToken }`: the uploads must be there. */
  private completeAttachmentUpload(b: Record<string, unknown>, req: IncomingMessage) {
    const c = this.connected(req);
    if ('error' in c) return c;
    const ids = (b['AttachmentIds'] ?? []) as string[];
    for (const id of ids) {
      const a = this.attachments.get(id);
      if (!a || a.contactId !== c.contactId)
        return { status: 400, error: 'ValidationException', message: `unknown attachment ${id}` };
      if (!a.bytes)
        return { status: 409, error: 'ConflictException', message: `attachment ${id} not uploaded` };
    }
    for (const id of ids) {
      const a = this.attachments.get(id);
      if (!a?.bytes || a.completed) continue;
      a.completed = true;
      c.customerAttachments.push({
        attachmentId: id,
        name: a.name,
        contentType: a.contentType,
        bytes: a.bytes,
      });
    }
    return { body: {} };
  }

  /** `GetAttachment` `{ AttachmentId }` → `{ Url, UrlExpiry, AttachmentSizeInBytes }`. */
  private getAttachment(b: Record<string, unknown>, req: IncomingMessage) {
    const c = [...this.contacts.values()].find(
      (x) => x.connectionToken && x.connectionToken === this.bearer(req),
    );
    if (!c) return { status: 403, error: 'AccessDeniedException', message: 'invalid connection token' };
    const a = this.attachments.get(String(b['AttachmentId']));
    if (!a || a.contactId !== c.contactId)
      return { status: 404, error: 'ResourceNotFoundException', message: 'attachment not found' };
    return {
      body: {
        Url: `${this.url}/s3/${encodeURIComponent(String(b['AttachmentId']))}?X-Amz-Expires=300`,
        UrlExpiry: new Date(Date.now() + 300_000).toISOString(),
        AttachmentSizeInBytes: a.sizeBytes,
      },
    };
  }

  private sendMessage(b: Record<string, unknown>, req: IncomingMessage) {
    const c = [...this.contacts.values()].find(
      (x) => x.connectionToken && x.connectionToken === this.bearer(req),
    );
    if (!c) return { status: 403, error: 'AccessDeniedException', message: 'invalid connection token' };
    if (!c.customerConnected)
      return { status: 403, error: 'AccessDeniedException', message: 'participant not connected' };
    if (c.stopped) return { status: 403, error: 'AccessDeniedException', message: 'chat has ended' };
    const dup = c.customerMessages.find((m) => m.clientToken && m.clientToken === b['ClientToken']);
    if (dup) return { body: { Id: dup.id, AbsoluteTime: new Date().toISOString() } };
    const id = randomUUID();
    c.customerMessages.push({
      id,
      content: String(b['Content']),
      clientToken: b['ClientToken'] as string | undefined,
    });
    // Connect echoes the customer's own message on the customer's websocket.
    this.push(c.contactId, {
      AbsoluteTime: new Date().toISOString(),
      Content: String(b['Content']),
      ContentType: 'text/plain',
      Id: id,
      Type: 'MESSAGE',
      ParticipantId: `customer-${c.contactId.slice(0, 8)}`,
      DisplayName: 'Customer',
      ParticipantRole: 'CUSTOMER',
      ContactId: c.contactId,
    });
    return { body: { Id: id, AbsoluteTime: new Date().toISOString() } };
  }

  private getTranscript(req: IncomingMessage) {
    const c = [...this.contacts.values()].find(
      (x) => x.connectionToken && x.connectionToken === this.bearer(req),
    );
    if (!c) return { status: 403, error: 'AccessDeniedException', message: 'invalid connection token' };
    return { body: { InitialContactId: c.contactId, Transcript: c.transcript } };
  }

  private disconnect(req: IncomingMessage) {
    const c = [...this.contacts.values()].find(
      (x) => x.connectionToken && x.connectionToken === this.bearer(req),
    );
    if (!c) return { status: 403, error: 'AccessDeniedException', message: 'invalid connection token' };
    this.push(c.contactId, this.event(c.contactId, 'participant.left', 'CUSTOMER', 'Customer'));
    this.endChat(c.contactId);
    return { body: {} };
  }
}
