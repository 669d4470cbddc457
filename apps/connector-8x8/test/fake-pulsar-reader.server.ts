import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Encodes a Pulsar MessageIdData (protobuf: field 1 ledgerId varint, field 2 entryId varint) in base64,
 * which is how the Pulsar WebSocket API renders `messageId` (e.g. ledger 1 entry 1 → "CAEQAQ==").
 */
export function pulsarMessageId(ledgerId: number, entryId: number): string {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return out;
  };
  return Buffer.from([0x08, ...varint(ledgerId), 0x10, ...varint(entryId)]).toString('base64');
}

/** A message on the fake topic. `payload` is what goes on the wire (normally base64 JSON). */
export interface TopicMessage {
  messageId: string;
  payload: string;
  publishTime: string;
  properties: Record<string, string>;
}

interface Reader {
  ws: WebSocket;
  /** Index of the next topic message to push. */
  next: number;
  /** Unacknowledged message ids (the reader's pending messages). */
  pending: Set<string>;
  receiverQueueSize: number;
  /** Close the connection after pushing this many more messages (simulated drop mid-stream). */
  dropAfter?: number;
}

/**
 * A local server speaking the Apache Pulsar WebSocket **reader** protocol the way 8x8 Event Streaming
 * exposes it: `GET /ws/v2/reader/persistent/{tenant}/event-v1/all` upgraded to WebSocket, `X-API-Key`
 * header checked (HTTP 401 on the handshake otherwise), query `messageId` = `earliest` | `latest` | a
 * base64 id (delivery starts strictly after it), `receiverQueueSize` = max unacknowledged messages
 * pushed; frames `{messageId, payload, properties, publishTime, redeliveryCount}`; acks
 * `{"messageId": …}` free a slot. Records what clients did, for assertions.
 */
export class FakePulsarReaderServer {
  readonly messages: TopicMessage[] = [];
  readonly readers = new Set<Reader>();
  /** Request URLs of every handshake attempt (accepted or not). */
  readonly handshakes: { url: string; apiKey: string | undefined; status: number }[] = [];
  readonly acks: string[] = [];
  /** Highest number of unacknowledged messages any reader ever had. */
  maxPending = 0;
  /** When set, the next connection is dropped after pushing this many messages. */
  dropNextAfter?: number;
  /** When true, upgrades are left hanging (handshake timeout on the client). */
  stallHandshakes = false;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private ledger = 7;
  private entry = 0;
  private readonly stalled = new Set<Duplex>();

  constructor(
    readonly tenant: string,
    public apiKey: string,
  ) {
    this.server = createServer((_req, res) => res.writeHead(404).end());
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as { port: number }).port;
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Appends an 8x8 event (JSON-encoded, base64) to the topic and pushes it to connected readers. */
  publishEvent(event: unknown): string {
    return this.publishRaw(Buffer.from(JSON.stringify(event), 'utf8').toString('base64'));
  }

  /** Appends a message with a raw `payload` string (e.g. invalid base64) and pushes it. */
  publishRaw(payload: string): string {
    this.entry += 1;
    const messageId = pulsarMessageId(this.ledger, this.entry);
    this.messages.push({ messageId, payload, publishTime: new Date().toISOString(), properties: {} });
    for (const r of this.readers) this.pump(r);
    return messageId;
  }

  /** Sends a raw text frame to every connected reader (for malformed frames). */
  sendRawFrame(text: string): void {
    for (const r of this.readers) r.ws.send(text);
  }

  /** Drops every connection abruptly (TCP reset, no close frame). */
  dropAll(): void {
    for (const r of this.readers) r.ws.terminate();
  }

  async close(): Promise<void> {
    for (const s of this.stalled) s.destroy();
    for (const r of this.readers) r.ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const apiKey = req.headers['x-api-key'] as string | undefined;
    const reject = (status: number, text: string) => {
      this.handshakes.push({ url: req.url ?? '', apiKey, status });
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (this.stallHandshakes) {
      this.handshakes.push({ url: req.url ?? '', apiKey, status: 0 });
      this.stalled.add(socket);
      return;
    }
    if (url.pathname !== `/ws/v2/reader/persistent/${this.tenant}/event-v1/all`)
      return reject(404, 'Not Found');
    if (apiKey !== this.apiKey) return reject(401, 'Unauthorized');
    const position = url.searchParams.get('messageId') ?? 'latest';
    let next: number;
    if (position === 'earliest') next = 0;
    else if (position === 'latest') next = this.messages.length;
    else {
      const i = this.messages.findIndex((m) => m.messageId === position);
      if (i < 0) return reject(400, 'Bad Request');
      next = i + 1; // the reader starts after the given message
    }
    const receiverQueueSize = Number(url.searchParams.get('receiverQueueSize') ?? 1000);
    this.handshakes.push({ url: req.url ?? '', apiKey, status: 101 });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const reader: Reader = {
        ws,
        next,
        pending: new Set(),
        receiverQueueSize,
        dropAfter: this.dropNextAfter,
      };
      this.dropNextAfter = undefined;
      this.readers.add(reader);
      ws.on('message', (data) => {
        let ack: { messageId?: unknown };
        try {
          ack = JSON.parse(data.toString());
        } catch {
          return ws.close(1003, 'Failed to deserialize from JSON');
        }
        if (typeof ack.messageId === 'string' && reader.pending.delete(ack.messageId)) {
          this.acks.push(ack.messageId);
          this.pump(reader);
        }
      });
      ws.on('close', () => this.readers.delete(reader));
      this.pump(reader);
    });
  }

  /** Pushes messages while the reader has fewer than `receiverQueueSize` unacknowledged ones. */
  private pump(r: Reader): void {
    while (
      r.next < this.messages.length &&
      r.pending.size < r.receiverQueueSize &&
      r.ws.readyState === r.ws.OPEN
    ) {
      if (r.dropAfter !== undefined) {
        if (r.dropAfter <= 0) {
          r.ws.terminate();
          return;
        }
        r.dropAfter -= 1;
      }
      const m = this.messages[r.next++];
      r.pending.add(m.messageId);
      this.maxPending = Math.max(this.maxPending, r.pending.size);
      r.ws.send(JSON.stringify({ ...m, redeliveryCount: 0 }));
    }
  }
}
