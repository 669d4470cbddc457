import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';

/**
 * A fake Genesys Cloud AudioHook client (protocol version 2) for tests and the load generator. It
 * speaks the documented wire format: upgrade request with `Audiohook-Organization-Id`,
 * `Audiohook-Session-Id`, `Audiohook-Correlation-Id`, `X-API-KEY` and an RFC 9421 signature
 * (`sig1`, hmac-sha256 keyed with the base64-decoded client secret); JSON text messages with
 * `version`, `id`, `type`, `seq`, `serverseq`, `position`, `parameters`; binary audio frames.
 */

export const AUDIOHOOK_COMPONENTS = [
  '@request-target',
  '@authority',
  'audiohook-organization-id',
  'audiohook-session-id',
  'audiohook-correlation-id',
  'x-api-key',
];

export interface SignOptions {
  url: string;
  organizationId: string;
  sessionId: string;
  correlationId: string;
  apiKey: string;
  /** base64; unsigned request when absent */
  clientSecret?: string;
  nonce?: string;
  /** seconds since epoch (default now) */
  createdSec?: number;
  /** seconds after created (default 60) */
  lifetimeSec?: number;
  components?: string[];
}

/**
 * Builds the upgrade request headers of a Genesys AudioHook client, with the signature base
 * assembled by hand per RFC 9421 §2.5 (independently of the server's library-based verifier).
 */
export function signAudioHookRequest(o: SignOptions): Record<string, string> {
  const url = new URL(o.url);
  const headers: Record<string, string> = {
    'Audiohook-Organization-Id': o.organizationId,
    'Audiohook-Session-Id': o.sessionId,
    'Audiohook-Correlation-Id': o.correlationId,
    'X-API-KEY': o.apiKey,
  };
  if (!o.clientSecret) return headers;
  const created = o.createdSec ?? Math.floor(Date.now() / 1000);
  const nonce = o.nonce ?? randomBytes(18).toString('base64url');
  const components = o.components ?? AUDIOHOOK_COMPONENTS;
  const value = (c: string): string => {
    if (c === '@request-target') return url.pathname + url.search;
    if (c === '@authority') return url.host;
    const h = Object.entries(headers).find(([k]) => k.toLowerCase() === c);
    if (!h) throw new Error(`no header ${c}`);
    return h[1];
  };
  const params =
    `(${components.map((c) => `"${c}"`).join(' ')})` +
    `;keyid="${o.apiKey}";nonce="${nonce}";alg="hmac-sha256";created=${created};expires=${created + (o.lifetimeSec ?? 60)}`;
  const base = [...components.map((c) => `"${c}": ${value(c)}`), `"@signature-params": ${params}`].join('\n');
  const sig = createHmac('sha256', Buffer.from(o.clientSecret, 'base64')).update(base).digest('base64');
  headers['Signature-Input'] = `sig1=${params}`;
  headers['Signature'] = `sig1=:${sig}:`;
  return headers;
}

/** A server message as received. */
export interface ServerMsg {
  version: string;
  id: string;
  type: string;
  seq: number;
  clientseq: number;
  parameters: Record<string, unknown>;
}

export interface ConnectOptions extends Omit<SignOptions, 'sessionId' | 'correlationId'> {
  sessionId?: string;
  correlationId?: string;
}

/** One fake AudioHook client connection. */
export class FakeGenesysClient {
  readonly messages: ServerMsg[] = [];
  readonly sessionId: string;
  private seq = 0;
  private serverseq = 0;
  /** Audio sent, samples per channel. */
  private samples = 0;
  private waiters: { pred: (m: ServerMsg) => boolean; resolve: (m: ServerMsg) => void }[] = [];
  closedCode: number | null = null;
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closedPromise: Promise<number>;
  /** Called for every server message (e.g. to measure pong latency). */
  onMessage?: (m: ServerMsg, at: bigint) => void;

  constructor(o: ConnectOptions) {
    this.sessionId = o.sessionId ?? randomUUID();
    const headers = signAudioHookRequest({
      ...o,
      sessionId: this.sessionId,
      correlationId: o.correlationId ?? randomUUID(),
    });
    this.ws = new WebSocket(o.url, { headers, perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closedPromise = new Promise((resolve) => {
      this.ws.once('close', (code) => {
        this.closedCode = code;
        resolve(code);
      });
    });
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const at = process.hrtime.bigint();
      const m = JSON.parse(data.toString()) as ServerMsg;
      this.serverseq = m.seq;
      this.messages.push(m);
      this.onMessage?.(m, at);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  /** `seq` of the last client message sent, `seq` of the last server message received (for `continuedSessions`). */
  get sequence(): { clientseq: number; serverseq: number } {
    return { clientseq: this.seq, serverseq: this.serverseq };
  }

  /** Stream position of the audio sent so far (ISO 8601 duration). */
  get position(): string {
    return `PT${Number((this.samples / 8000).toFixed(3))}S`;
  }

  /** Sends a client message with the next seq; returns it. */
  send(
    type: string,
    parameters: Record<string, unknown> = {},
    seqOverride?: number,
  ): Record<string, unknown> {
    this.seq = seqOverride ?? this.seq + 1;
    const msg = {
      version: '2',
      id: this.sessionId,
      type,
      seq: this.seq,
      serverseq: this.serverseq,
      position: this.position,
      parameters,
    };
    this.ws.send(JSON.stringify(msg));
    return msg;
  }

  /** Sends `open` as Genesys does (one stereo PCMU offer plus a mono and an L16 alternative by default). */
  open(p: {
    organizationId: string;
    conversationId: string;
    media?: Record<string, unknown>[];
    language?: string;
    /** Ask for the server's languages (`opened.supportedLanguages`). */
    supportedLanguages?: boolean;
    /** Reconnection: the sessions this one continues. */
    continuedSessions?: { id: string; serverseq: number; clientseq: number }[];
  }): Record<string, unknown> {
    return this.send('open', {
      organizationId: p.organizationId,
      conversationId: p.conversationId,
      participant: {
        id: '883efee8-3d6c-4537-b500-6d7ca4b92fa0',
        ani: '+1-555-555-1234',
        aniName: 'John Doe',
        dnis: '+1-800-555-6789',
      },
      media: p.media ?? [
        { type: 'audio', format: 'PCMU', channels: ['external', 'internal'], rate: 8000 },
        { type: 'audio', format: 'PCMU', channels: ['external'], rate: 8000 },
        { type: 'audio', format: 'L16', channels: ['external', 'internal'], rate: 8000 },
      ],
      language: p.language ?? 'en-US',
      ...(p.supportedLanguages !== undefined ? { supportedLanguages: p.supportedLanguages } : {}),
      ...(p.continuedSessions ? { continuedSessions: p.continuedSessions } : {}),
    });
  }

  /** Sends one binary audio frame; `samplesPerChannel` advances the stream position. */
  sendAudio(frame: Uint8Array, samplesPerChannel: number): void {
    this.samples += samplesPerChannel;
    this.ws.send(frame, { binary: true });
  }

  /**
   * Lets the stream clock run without sending audio (Genesys while paused: the audio is discarded,
   * `position` advances; `resumed` then reports `start` and `discarded`).
   */
  advancePosition(samplesPerChannel: number): void {
    this.samples += samplesPerChannel;
  }

  /** Resolves with the first (already received or future) server message matching. */
  waitFor(pred: (m: ServerMsg) => boolean, timeoutMs = 15000, what = 'server message'): Promise<ServerMsg> {
    const have = this.messages.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`timed out waiting for ${what}; got ${this.messages.map((m) => m.type).join(',')}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  waitType(type: string, timeoutMs?: number): Promise<ServerMsg> {
    return this.waitFor((m) => m.type === type, timeoutMs, `'${type}'`);
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Interleaves two mono μ-law channels into stereo AudioHook PCMU frames of `frameMs` (200 ms =
 * 1600 samples per channel, 3200 bytes).
 */
export function stereoPcmuFrames(external: Uint8Array, internal: Uint8Array, frameMs = 200): Uint8Array[] {
  const per = (8000 * frameMs) / 1000;
  const n = Math.max(external.length, internal.length);
  const frames: Uint8Array[] = [];
  for (let off = 0; off < n; off += per) {
    const count = Math.min(per, n - off);
    const f = new Uint8Array(count * 2);
    for (let i = 0; i < count; i++) {
      f[2 * i] = external[off + i] ?? 0xff;
      f[2 * i + 1] = internal[off + i] ?? 0xff;
    }
    frames.push(f);
  }
  return frames;
}
