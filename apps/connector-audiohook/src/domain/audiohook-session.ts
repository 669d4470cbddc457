import { formatIssues } from '@hub/contracts';
import {
  ClientEnvelopeSchema,
  ClientMessageSchema,
  NIL_UUID,
  durationToMs,
  type ClientMessage,
  type DisconnectReason,
  type OpenParameters,
  type SelectedMedium,
  type ServerMessage,
  type ServerMessageType,
  type ServerParameters,
  type TranscriptEntity,
} from './protocol.schema';

/**
 * Server-side session state:
 * - `awaiting_open`: WebSocket up, no `open` yet (or `open` received, authorization pending);
 * - `active` / `paused`: `opened` sent; audio flows (or is paused);
 * - `closing`: client sent `close`, server flushing before `closed`;
 * - `disconnecting`: server sent `disconnect`, waiting for the client's `close`;
 * - `closed`: `closed` sent; the client closes the WebSocket.
 */
export type SessionState = 'awaiting_open' | 'active' | 'paused' | 'closing' | 'disconnecting' | 'closed';

/** What a received client text message means for the connection (the caller performs the effects). */
export type SessionStep =
  | { kind: 'open'; open: OpenParameters; probe: boolean; positionMs: number }
  | { kind: 'ping'; reply: ServerMessage<'pong'>; rttMs?: number }
  | { kind: 'update'; reply: ServerMessage<'updated'>; language?: string }
  | { kind: 'paused'; positionMs: number }
  | { kind: 'resumed'; startMs: number; discardedMs: number }
  | { kind: 'discarded'; startMs: number; discardedMs: number }
  | { kind: 'client_error'; code: number; message: string; retryAfterMs?: number }
  | { kind: 'close'; reason: string; positionMs: number }
  | { kind: 'ignored'; why: string }
  | { kind: 'violation'; info: string; reply: ServerMessage<'disconnect'> | null };

/** Outcome of a binary (audio) frame. */
export type AudioStep =
  | { kind: 'audio' }
  | { kind: 'ignored'; why: string }
  | { kind: 'violation'; info: string; reply: ServerMessage<'disconnect'> | null };

/** Largest accepted text message, bytes (AudioHook clients stay well under 64 KiB). */
export const MAX_TEXT_MESSAGE_BYTES = 65_535;

/**
 * The AudioHook (protocol version 2) server session as a pure state machine: validates client
 * messages (schema, `version`, session `id`, sequence numbers), tracks `seq`/`clientseq`, and builds
 * server messages. No I/O: the connection feeds it messages and sends what it returns.
 *
 * Sequence rules: client `seq` starts at 1 and rises by exactly one per text message (a gap or
 * repeat is a protocol error → `disconnect` reason `error`); `serverseq` may not exceed the last
 * server `seq` sent. Server `seq` starts at 1 and every server message echoes the last client `seq`
 * as `clientseq`.
 *
 * Client `error` (codes 400 … 503, `message`, optional `retryAfter`) is informational: the session
 * stays as it is (a client that cannot go on follows it with `close`, reason `error`). A `429` with
 * `retryAfter` is the client's rate limiter: optional `event` messages are withheld until it elapses
 * (protocol replies such as `pong` and `closed` are never withheld).
 */
export class AudioHookSession {
  private _state: SessionState = 'awaiting_open';
  private _id: string | null;
  private seq = 0;
  private clientseq = 0;
  private _positionMs = 0;
  private _medium: SelectedMedium | null = null;
  private openReceived = false;
  /** Until when (clock ms) `event` messages are withheld after a client `429`. */
  private eventsBlockedUntil = 0;

  /**
   * @param id  session id from the `audiohook-session-id` header, if given (must match messages)
   * @param now clock, ms (tests pass a fake one)
   */
  constructor(
    id?: string,
    private readonly now: () => number = Date.now,
  ) {
    this._id = id ? id.toLowerCase() : null;
  }

  get state(): SessionState {
    return this._state;
  }
  /** Session id (from the header or the first message). */
  get id(): string {
    return this._id ?? NIL_UUID;
  }
  /** The client's last reported stream position, ms. */
  get positionMs(): number {
    return this._positionMs;
  }
  /** Medium selected in `opened`, once sent. */
  get medium(): SelectedMedium | null {
    return this._medium;
  }

  /**
   * Handles one client text message.
   * @param raw the WebSocket text frame
   */
  receiveText(raw: string): SessionStep {
    if (this._state === 'closed') return { kind: 'ignored', why: 'session closed' };
    if (Buffer.byteLength(raw) > MAX_TEXT_MESSAGE_BYTES) return this.violation('text message too large');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return this.violation('text message is not valid JSON');
    }
    const env = ClientEnvelopeSchema.safeParse(json);
    if (!env.success) return this.violation(`malformed message: ${formatIssues(env.error.issues)}`);
    const e = env.data;
    if (e.seq !== this.clientseq + 1) {
      return this.violation(`invalid seq ${e.seq}: expected ${this.clientseq + 1} (sequence gap)`);
    }
    this.clientseq = e.seq;
    if (e.serverseq > this.seq) return this.violation(`invalid serverseq ${e.serverseq} > ${this.seq}`);
    const id = e.id.toLowerCase();
    if (this._id === null) this._id = id;
    else if (id !== this._id) return this.violation(`session id mismatch: ${e.id}`);

    const parsed = ClientMessageSchema.safeParse(json);
    if (!parsed.success) {
      return this.violation(`invalid '${e.type}' message: ${formatIssues(parsed.error.issues)}`);
    }
    const msg: ClientMessage = parsed.data;
    this._positionMs = durationToMs(msg.position);
    return this.dispatch(msg);
  }

  private dispatch(msg: ClientMessage): SessionStep {
    const disconnecting = this._state === 'disconnecting';
    switch (msg.type) {
      case 'open':
        if (disconnecting) return { kind: 'ignored', why: 'open after disconnect' };
        if (this.openReceived) return this.violation("duplicate 'open'");
        this.openReceived = true;
        return {
          kind: 'open',
          open: msg.parameters,
          probe: msg.parameters.conversationId === NIL_UUID,
          positionMs: this._positionMs,
        };
      case 'close':
        if (this._state === 'closing') return this.violation("duplicate 'close'");
        this._state = 'closing';
        return { kind: 'close', reason: msg.parameters.reason, positionMs: this._positionMs };
      case 'ping': {
        const rtt = msg.parameters.rtt;
        return {
          kind: 'ping',
          reply: this.build('pong', {}),
          rttMs: rtt !== undefined ? durationToMs(rtt) : undefined,
        };
      }
      case 'error': {
        const { code, message, retryAfter } = msg.parameters;
        const retryAfterMs = retryAfter !== undefined ? durationToMs(retryAfter) : undefined;
        if (code === 429 && retryAfterMs) {
          this.eventsBlockedUntil = Math.max(this.eventsBlockedUntil, this.now() + retryAfterMs);
        }
        return {
          kind: 'client_error',
          code,
          message,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        };
      }
      default:
        break;
    }
    if (disconnecting) return { kind: 'ignored', why: `'${msg.type}' after disconnect` };
    if (this._state === 'awaiting_open') return this.violation(`'${msg.type}' before 'opened'`);
    if (this._state === 'closing') return this.violation(`'${msg.type}' after 'close'`);
    switch (msg.type) {
      case 'update':
        return { kind: 'update', reply: this.build('updated', {}), language: msg.parameters.language };
      case 'paused':
        this._state = 'paused';
        return { kind: 'paused', positionMs: this._positionMs };
      case 'resumed':
        this._state = 'active';
        return {
          kind: 'resumed',
          startMs: durationToMs(msg.parameters.start),
          discardedMs: durationToMs(msg.parameters.discarded),
        };
      case 'discarded':
        return {
          kind: 'discarded',
          startMs: durationToMs(msg.parameters.start),
          discardedMs: durationToMs(msg.parameters.discarded),
        };
    }
  }

  /**
   * Handles one binary frame (audio in the selected medium).
   * @param byteLength frame size, bytes (must be a whole number of sample frames)
   */
  receiveAudio(byteLength: number): AudioStep {
    switch (this._state) {
      case 'active': {
        const m = this._medium;
        const frameBytes = m ? (m.format === 'PCMU' ? 1 : 2) * m.channels.length : 0;
        if (!m || frameBytes === 0) return { kind: 'ignored', why: 'probe session carries no audio' };
        if (byteLength % frameBytes !== 0) {
          return this.violation(`audio frame of ${byteLength} bytes is not a multiple of ${frameBytes}`);
        }
        return { kind: 'audio' };
      }
      case 'awaiting_open':
        return this.violation("audio before 'opened'");
      default:
        return { kind: 'ignored', why: `audio in state ${this._state}` };
    }
  }

  /**
   * Accepts the pending `open`: builds `opened` with the one selected medium (none for probes).
   * @param opts.startPaused        the client starts the stream paused
   * @param opts.supportedLanguages BCP 47 tags, sent when the `open` asked for them
   *                                (`supportedLanguages: true`); omitted otherwise
   * @throws Error if no `open` is pending
   */
  accept(
    medium: SelectedMedium | null,
    opts: { startPaused?: boolean; supportedLanguages?: readonly string[] } = {},
  ): ServerMessage<'opened'> {
    if (this._state !== 'awaiting_open' || !this.openReceived) throw new Error("no pending 'open'");
    const startPaused = opts.startPaused ?? false;
    this._medium = medium;
    this._state = startPaused ? 'paused' : 'active';
    return this.build('opened', {
      startPaused,
      media: medium ? [medium] : [],
      ...(opts.supportedLanguages ? { supportedLanguages: [...opts.supportedLanguages] } : {}),
    });
  }

  /** Builds `closed` in answer to the client's `close` (after the server has flushed). */
  closed(): ServerMessage<'closed'> | null {
    if (this._state !== 'closing') return null;
    this._state = 'closed';
    return this.build('closed', {});
  }

  /**
   * Server-initiated end of the session: `disconnect` with a reason; the client answers with `close`.
   * @returns the message, or null when the session is already closing/closed/disconnecting
   */
  disconnect(reason: DisconnectReason, info?: string): ServerMessage<'disconnect'> | null {
    if (this._state === 'closing' || this._state === 'closed' || this._state === 'disconnecting') return null;
    this._state = 'disconnecting';
    return this.build('disconnect', info ? { reason, info } : { reason });
  }

  /** Asks the client to pause (`pause`) or resume (`resume`) the audio. Null unless active/paused. */
  request(type: 'pause' | 'resume'): ServerMessage<'pause' | 'resume'> | null {
    if (this._state !== 'active' && this._state !== 'paused') return null;
    return this.build(type, {});
  }

  /**
   * Asks the client to reconnect (AudioHook reconnection, e.g. before this server instance stops): the client
   * opens a new session with `continuedSessions` naming this one, then closes this one with reason
   * `reconnect`. The state does not change; audio keeps flowing here until the client's `close`.
   * @returns the message, or null unless active/paused
   */
  reconnect(info?: string): ServerMessage<'reconnect'> | null {
    if (this._state !== 'active' && this._state !== 'paused') return null;
    return this.build('reconnect', info ? { info } : {});
  }

  /**
   * An `event` message (e.g. transcripts), allowed while active, paused or closing.
   * @returns null in other states, and while the client's `429` `retryAfter` has not elapsed
   */
  event(entities: TranscriptEntity[]): ServerMessage<'event'> | null {
    if (this._state !== 'active' && this._state !== 'paused' && this._state !== 'closing') return null;
    if (this.now() < this.eventsBlockedUntil) return null;
    return this.build('event', { entities });
  }

  private build<T extends ServerMessageType>(type: T, parameters: ServerParameters[T]): ServerMessage<T> {
    this.seq += 1;
    return { version: '2', id: this.id, type, seq: this.seq, clientseq: this.clientseq, parameters };
  }

  private violation(info: string): {
    kind: 'violation';
    info: string;
    reply: ServerMessage<'disconnect'> | null;
  } {
    return { kind: 'violation', info, reply: this.disconnect('error', info) };
  }
}
