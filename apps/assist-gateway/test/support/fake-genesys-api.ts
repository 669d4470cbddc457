import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A write call the stand-in accepted (message sent / wrap-up applied), as Genesys would record it. */
export interface GenesysWrite {
  kind: 'message' | 'wrapup';
  conversationId: string;
  communicationId: string;
  participantId?: string;
  /** The Genesys user whose bearer token made the call. */
  userId: string;
  body: Record<string, unknown>;
}

/**
 * A stand-in for the Genesys Cloud Platform API (api.<region>.pure.cloud), speaking its wire format
 * (platform-client-sdk-javascript `ConversationsApi` / `UsersApi`) for the calls the gateway makes:
 *  - `GET /api/v2/users/me` → `{id, name, …}` (the token's user);
 *  - `GET /api/v2/conversations/{conversationId}` → `{id, participants: [{id, purpose, userId?, messages?: [{id, state}]}]}`;
 *  - `POST /api/v2/conversations/messages/{conversationId}/communications/{communicationId}/messages`
 *    `{textBody}` → 202 `MessageData {id, textBody, direction, status, timestamp}`;
 *  - `POST /api/v2/conversations/messages/{conversationId}/participants/{participantId}/communications/{communicationId}/wrapup`
 *    `{code, notes}` → 202 (400 without `code`);
 *  - `GET /api/v2/conversations/messages/{conversationId}/messages/{messageId}` → `MessageData {id, textBody, direction, timestamp}`;
 *  - Notification API: `POST /api/v2/notifications/channels` → `{id, connectUri, expires}`,
 *    `PUT /api/v2/notifications/channels/{id}/subscriptions` `[{id: topic}]`, and the channel WebSocket
 *    (`{"message":"ping"}` → `channel.metadata` `{"message":"pong"}`; topic frames
 *    `{topicName, version, eventBody}` pushed by {@link pushMessage}).
 * Bearer tokens are checked against the local OpenID provider's userinfo endpoint (the access
 * tokens it issued), so an invalid token gets 401 as from Genesys; a write on a communication that is
 * not the token user's gets 403 (`not.authorized`), on an unknown conversation 404.
 */
export class FakeGenesysApi {
  private server?: Server;
  url = '';
  /** Accepted writes, in order. */
  readonly writes: GenesysWrite[] = [];
  /** Every Authorization header received (tests check the agent's own token is used). */
  readonly authorizations: string[] = [];
  /** Channel id → subscribed topics and the sockets connected to it. */
  readonly channels = new Map<string, { userId: string; topics: string[]; sockets: Set<WebSocket> }>();
  /** `{"message":"ping"}` frames received on channel sockets. */
  pings = 0;
  private readonly messages = new Map<
    string,
    { id: string; textBody: string; direction: string; timestamp: string }[]
  >();
  /** Conversation id → the agents' communication state last pushed (default `connected`). */
  private readonly agentStates = new Map<string, 'connected' | 'disconnected'>();
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(
    private readonly userinfoUrl: string,
    /** conversation id → agent user ids participating */
    private readonly conversations: Record<string, string[]>,
    /** login subject → Genesys user id (UUID) returned by /users/me; default: the subject */
    private readonly userIds: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void this.handle(req.method ?? 'GET', req.url ?? '', req.headers.authorization, raw).then(
          ({ status, body }) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(body === undefined ? '' : JSON.stringify(body));
          },
        );
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const m = /^\/channels\/([^/?]+)$/.exec(req.url ?? '');
      const channel = m ? this.channels.get(decodeURIComponent(m[1]!)) : undefined;
      if (!channel) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        channel.sockets.add(ws);
        ws.on('close', () => channel.sockets.delete(ws));
        ws.on('message', (data) => {
          if ((JSON.parse(String(data)) as { message?: string }).message === 'ping') {
            this.pings += 1;
            ws.send(JSON.stringify({ topicName: 'channel.metadata', eventBody: { message: 'pong' } }));
          }
        });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private participants(id: string, agents: string[]) {
    return [
      {
        id: `${id}-customer`,
        purpose: 'customer',
        messages: [{ id: `${id}-customer-comm`, state: 'connected' }],
      },
      ...agents.map((userId, n) => ({
        id: `${id}-agent-${n}`,
        purpose: 'agent',
        userId,
        messages: [{ id: `${id}-agent-${n}-comm`, state: 'connected' }],
      })),
    ];
  }

  private async handle(
    method: string,
    path: string,
    authorization: string | undefined,
    raw: string,
  ): Promise<{ status: number; body: unknown }> {
    this.authorizations.push(authorization ?? '');
    const me = await fetch(this.userinfoUrl, { headers: { authorization: authorization ?? '' } });
    if (me.status !== 200)
      return {
        status: 401,
        body: { status: 401, code: 'bad.credentials', message: 'Invalid login credentials.' },
      };
    const user = (await me.json()) as { sub: string; name?: string };
    const userId = this.userIds[user.sub] ?? user.sub;
    const notFound = {
      status: 404,
      body: { status: 404, code: 'not.found', message: 'The requested conversation was not found.' },
    };
    if (method === 'POST' && path === '/api/v2/notifications/channels') {
      const id = `streaming-0-${randomUUID()}`;
      this.channels.set(id, { userId, topics: [], sockets: new Set() });
      return {
        status: 200,
        body: {
          id,
          connectUri: `${this.url.replace(/^http/, 'ws')}/channels/${id}`,
          expires: new Date(Date.now() + 86_400_000).toISOString(),
        },
      };
    }
    const subs = /^\/api\/v2\/notifications\/channels\/([^/]+)\/subscriptions$/.exec(path);
    if (method === 'PUT' && subs) {
      const channel = this.channels.get(decodeURIComponent(subs[1]!));
      if (!channel || channel.userId !== userId) return notFound;
      const topics = (JSON.parse(raw) as { id: string }[]).map((t) => t.id);
      // a user may only subscribe to conversations it takes part in
      for (const t of topics) {
        const c = /^v2\.conversations\.([^.]+)\.messages$/.exec(t);
        if (!c || !(this.conversations[c[1]!] ?? []).includes(userId))
          return { status: 400, body: { status: 400, code: 'bad.request', message: `Invalid topic ${t}` } };
      }
      channel.topics = topics;
      return { status: 200, body: { entities: topics.map((id) => ({ id })) } };
    }
    const getMsg = /^\/api\/v2\/conversations\/messages\/([^/]+)\/messages\/([^/?]+)$/.exec(path);
    if (method === 'GET' && getMsg) {
      const conv = decodeURIComponent(getMsg[1]!);
      if (!(this.conversations[conv] ?? []).includes(userId)) return notFound;
      const m = (this.messages.get(conv) ?? []).find((x) => x.id === decodeURIComponent(getMsg[2]!));
      return m ? { status: 200, body: m } : notFound;
    }
    if (method === 'GET' && path === '/api/v2/users/me')
      return { status: 200, body: { id: userId, name: user.name ?? user.sub, state: 'active' } };
    const get = /^\/api\/v2\/conversations\/([^/?]+)$/.exec(path);
    if (method === 'GET' && get) {
      const id = decodeURIComponent(get[1]);
      const agents = this.conversations[id];
      if (!agents) return notFound;
      return { status: 200, body: this.conversationBody(id) };
    }
    const send = /^\/api\/v2\/conversations\/messages\/([^/]+)\/communications\/([^/]+)\/messages$/.exec(
      path,
    );
    const wrap =
      /^\/api\/v2\/conversations\/messages\/([^/]+)\/participants\/([^/]+)\/communications\/([^/]+)\/wrapup$/.exec(
        path,
      );
    if (method === 'POST' && (send || wrap)) {
      const conversationId = decodeURIComponent((send ?? wrap)![1]);
      const agents = this.conversations[conversationId];
      if (!agents) return notFound;
      const communicationId = decodeURIComponent(send ? send[2] : wrap![3]);
      const mine = this.participants(conversationId, agents).find(
        (p) => 'userId' in p && p.userId === userId && p.messages[0]!.id === communicationId,
      );
      if (!mine || (wrap && mine.id !== decodeURIComponent(wrap[2])))
        return {
          status: 403,
          body: {
            status: 403,
            code: 'not.authorized',
            message: 'You are not authorized to perform the requested action.',
          },
        };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { status: 400, code: 'bad.request', message: 'Invalid JSON' } };
      }
      if (send) {
        if (typeof body['textBody'] !== 'string' || !body['textBody'])
          return { status: 400, body: { status: 400, code: 'bad.request', message: 'textBody is required' } };
        this.writes.push({ kind: 'message', conversationId, communicationId, userId, body });
        return {
          status: 202,
          body: {
            id: randomUUID(),
            textBody: body['textBody'],
            direction: 'outbound',
            status: 'queued',
            timestamp: new Date().toISOString(),
          },
        };
      }
      if (typeof body['code'] !== 'string' || !body['code'])
        return {
          status: 400,
          body: { status: 400, code: 'bad.request', message: 'A wrap-up code is required' },
        };
      this.writes.push({
        kind: 'wrapup',
        conversationId,
        communicationId,
        participantId: mine.id,
        userId,
        body,
      });
      return { status: 202, body: undefined };
    }
    return { status: 404, body: { status: 404, code: 'not.found', message: 'Not found' } };
  }

  /**
   * The conversation as `GET /api/v2/conversations/{id}` and the `v2.conversations.{id}.messages`
   * notification carry it: `participants[].messages[]` (communications) listing their
   * `messages[].messageId` — inbound ones under the customer, outbound ones under the agents.
   */
  private conversationBody(conversationId: string) {
    const list = this.messages.get(conversationId) ?? [];
    const ids = (d: string) =>
      list.filter((m) => m.direction === d).map((m) => ({ messageId: m.id, messageStatus: 'delivered' }));
    const [customer, ...agents] = this.participants(conversationId, this.conversations[conversationId] ?? []);
    return {
      id: conversationId,
      participants: [
        { ...customer, messages: [{ ...customer!.messages[0], messages: ids('inbound') }] },
        ...agents.map((a) => ({
          ...a,
          messages: [
            {
              ...a.messages[0],
              state: this.agentStates.get(conversationId) ?? 'connected',
              messages: ids('outbound'),
            },
          ],
        })),
      ],
    };
  }

  /**
   * A message in the conversation (`inbound`: from the customer; `outbound`: from the agent), then the
   * `v2.conversations.{id}.messages` notification to every channel subscribed to it: the conversation
   * with `participants[].messages[]` (communications) listing their `messages[].messageId`.
   * @returns the message id
   */
  pushMessage(
    conversationId: string,
    direction: 'inbound' | 'outbound',
    textBody: string,
    opts: { agentState?: 'connected' | 'disconnected' } = {},
  ): string {
    const id = randomUUID();
    const list = this.messages.get(conversationId) ?? [];
    list.push({ id, textBody, direction, timestamp: new Date().toISOString() });
    this.messages.set(conversationId, list);
    if (opts.agentState) this.agentStates.set(conversationId, opts.agentState);
    const eventBody = this.conversationBody(conversationId);
    const topicName = `v2.conversations.${conversationId}.messages`;
    for (const ch of this.channels.values())
      if (ch.topics.includes(topicName))
        for (const ws of ch.sockets) ws.send(JSON.stringify({ topicName, version: '2', eventBody }));
    return id;
  }

  /** Sends `v2.system.socket_closing` and closes every channel socket (as before a Genesys deployment). */
  closeSockets(): void {
    for (const ch of this.channels.values())
      for (const ws of ch.sockets) {
        ws.send(JSON.stringify({ topicName: 'v2.system.socket_closing', eventBody: { message: 'closing' } }));
        ws.close(1001);
      }
  }

  async stop(): Promise<void> {
    for (const ch of this.channels.values()) for (const ws of ch.sockets) ws.terminate();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
