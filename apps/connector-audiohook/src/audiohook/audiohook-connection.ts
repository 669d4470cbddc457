import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { ConversationEvent } from '@hub/contracts';
import { splitChannels } from '../audio/pcm';
import { AudioHookSession, type SessionStep } from '../domain/audiohook-session';
import { selectMedium, speakerOf } from '../domain/media-selection';
import type { MediaChannel, SelectedMedium, ServerMessage } from '../domain/protocol.schema';
import { StreamTimeline } from '../domain/stream-timeline';
import { transcriptEntity, utteranceEvent } from '../domain/utterance';
import { vocabularyCorrectorFor } from '../domain/vocabulary-corrector';
import type { ConversationEventsPublisher } from '../events/conversation-events.publisher';
import type { AudioHookMetrics, SessionOutcome } from '../metrics';
import type { RecognizedUtterance, SpeechStream, SpeechToTextProvider } from '../stt/speech-to-text';
import type { SpeechToTextRegistry } from '../stt/speech-to-text.registry';
import type { AuthResult } from './usecases/authenticate-connection.usecase';

/** What a connection needs from the service. */
export interface ConnectionDeps {
  logger: Logger;
  metrics: AudioHookMetrics;
  stt: SpeechToTextRegistry;
  publisher: ConversationEventsPublisher;
  openTimeoutMs: number;
  closeGraceMs: number;
  /** Shutdown: time sessions get to move elsewhere after `reconnect` before `disconnect`, ms; 0 = none. */
  reconnectWaitMs: number;
  /** Longest wait for the recognizers before `closed` answers the client's `close`, ms. */
  closeFlushWaitMs: number;
}

interface ChannelState {
  stream: SpeechStream | null;
  n: number;
  /** Received-audio time (ms per channel) at which the recognizer started. */
  originMs: number;
}

/**
 * One AudioHook WebSocket connection: feeds text frames to the {@link AudioHookSession} state
 * machine in arrival order and performs its effects — `opened` after authentication, `pong` at
 * once, audio split per channel into speech-to-text streams, final utterances published as
 * conversation events (and optionally sent back as `transcript` events), `closed` after the
 * recognizers are flushed, `disconnect` on authentication failure, protocol errors and shutdown.
 *
 * Flow control: when the tenant's speech-to-text provider has no stream left (e.g.
 * `POCKETSPHINX_MAX_STREAMS` reached), a new session gets `opened` followed by `pause` and waits in
 * the provider's {@link RecognizerWaitQueue}; its audio is not transcribed. When a stream is
 * released, the oldest waiting session opens its recognizers and gets `resume`. The client's
 * `resumed` / `discarded` `{start, discarded}` move the {@link StreamTimeline}, so utterance offsets
 * stay positions in the AudioHook stream although the paused audio was never sent.
 */
export class AudioHookConnection {
  readonly session: AudioHookSession;
  private chain: Promise<void> = Promise.resolve();
  private readonly channels = new Map<MediaChannel, ChannelState>();
  private readonly publishing = new Set<Promise<void>>();
  private auth?: Extract<AuthResult, { ok: true }>;
  private interactionId?: string;
  /** Ids of the sessions this one continues (`open.continuedSessions`): the interaction did not start here. */
  private continues: string[] = [];
  /** The client closed with reason `reconnect`: the interaction goes on in its continuation, not ended here. */
  private movedToContinuation = false;
  private language = 'en-US';
  private probe = false;
  /** Audio samples per channel received since the last metrics update. */
  private audioSamples = 0;
  /** True when at least one channel has a recognizer. */
  private transcribing = false;
  /** Received audio vs stream position (pauses, discarded audio). */
  private readonly timeline = new StreamTimeline();
  private provider?: SpeechToTextProvider;
  /** Set while the session is paused by the server, waiting for a recognizer; calling it leaves the queue. */
  private cancelWait?: () => void;
  private outcome: SessionOutcome | null = null;
  private openTimer?: NodeJS.Timeout;
  private graceTimer?: NodeJS.Timeout;
  private flushed?: Promise<void>;
  /** `resume` sent, `resumed` not received yet (a `close` crossing it still ends a paused stream). */
  private resumeSent = false;
  private readonly log: Logger;
  /** Resolves when the WebSocket has closed and the session is cleaned up. */
  readonly done: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    private readonly authResult: Promise<AuthResult>,
    private readonly deps: ConnectionDeps,
    sessionIdHeader?: string,
  ) {
    this.session = new AudioHookSession(sessionIdHeader);
    this.log = deps.logger.child({ sessionId: this.session.id });
    deps.metrics.sessionsActive.inc();
    this.done = new Promise((resolve) => {
      ws.once('close', () => {
        void this.onSocketClosed().finally(resolve);
      });
    });
    ws.on('error', (e) => this.log.warn({ err: e.message }, 'websocket error'));
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.openTimer = setTimeout(() => {
      if (this.session.state === 'awaiting_open') {
        this.outcome ??= 'timeout';
        this.send(this.session.disconnect('error', "no 'open' received in time"));
        this.startGrace();
      }
    }, deps.openTimeoutMs);
    // Signal an authentication failure as soon as it is known (after the fixed delay), not only on `open`.
    void authResult.then((r) => {
      if (!r.ok) this.refuse(r.reason);
      else this.auth = r;
    });
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    // ws delivers Buffers (binaryType 'nodebuffer'): no copy on the hot path
    const buf = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      this.onAudio(buf);
      return;
    }
    const receivedAt = process.hrtime.bigint();
    this.chain = this.chain
      .then(() => this.onText(buf.toString('utf8'), receivedAt))
      .catch((e: Error) => {
        this.log.error({ err: e.message }, 'error handling AudioHook message');
        this.outcome ??= 'protocol_error';
        this.send(this.session.disconnect('error', 'internal server error'));
        this.startGrace();
      });
  }

  private async onText(raw: string, receivedAt: bigint): Promise<void> {
    const step: SessionStep = this.session.receiveText(raw);
    switch (step.kind) {
      case 'ping':
        this.send(step.reply);
        this.deps.metrics.pingHandling.observe(Number(process.hrtime.bigint() - receivedAt) / 1e9);
        return;
      case 'open':
        return this.onOpen(step);
      case 'update':
        if (step.language) this.language = step.language;
        this.send(step.reply);
        return;
      case 'paused':
        this.log.info({ positionMs: step.positionMs, waiting: !!this.cancelWait }, 'client paused');
        return;
      case 'resumed':
      case 'discarded':
        if (step.kind === 'resumed') this.resumeSent = false;
        // audio from `start` for `discarded` was never sent: later frames are that much further on
        this.timeline.gap(step.startMs, step.discardedMs);
        // audio the client never sent (its stream ran on while paused): counted, so a lost turn is never silent
        this.deps.metrics.discardedAudioSeconds.inc({ kind: step.kind }, step.discardedMs / 1000);
        this.log.info({ startMs: step.startMs, discardedMs: step.discardedMs }, `client ${step.kind}`);
        return;
      case 'client_error':
        // informational (the client closes if it cannot go on); a 429 withholds `event` messages
        this.deps.metrics.clientErrors.inc({ code: String(step.code) });
        this.log.warn(
          { code: step.code, message: step.message, retryAfterMs: step.retryAfterMs },
          'client reported an error',
        );
        return;
      case 'close':
        // closed while still paused for a recognizer — waiting, or `resume` sent and crossed by the client's
        // `close` (no `resumed` came): the audio since the last frame was never sent (counted)
        if (this.cancelWait || this.resumeSent) {
          const lastSentMs = this.timeline.toStreamMs(this.timeline.receivedMs);
          const neverSentMs = Math.max(0, step.positionMs - lastSentMs);
          this.deps.metrics.discardedAudioSeconds.inc({ kind: 'closed_paused' }, neverSentMs / 1000);
        }
        return this.onClose(step.reason);
      case 'ignored':
        this.log.debug({ why: step.why }, 'message ignored');
        return;
      case 'violation':
        this.log.warn({ info: step.info }, 'protocol violation');
        this.outcome ??= 'protocol_error';
        this.send(step.reply);
        this.startGrace();
        return;
    }
  }

  private async onOpen(step: Extract<SessionStep, { kind: 'open' }>): Promise<void> {
    clearTimeout(this.openTimer);
    const auth = await this.authResult;
    if (!auth.ok) return; // `disconnect` (unauthorized) is sent by refuse()
    if (step.open.organizationId.toLowerCase() !== auth.organizationId) {
      this.deps.metrics.authFailures.inc({ reason: 'open_organization_mismatch' });
      this.outcome ??= 'unauthorized';
      this.send(this.session.disconnect('unauthorized', 'organization id mismatch'));
      this.startGrace();
      return;
    }
    this.probe = step.probe;
    const medium = selectMedium(step.open.media);
    const provider = this.deps.stt.providerFor(auth.tenant.sttProvider);
    // Genesys asks (typically in the connection probe) which languages the server transcribes
    const supportedLanguages = step.open.supportedLanguages ? provider.languages : undefined;
    if (step.probe) {
      // Connection probe: answer, never transcribe; the client closes right after `opened`.
      this.send(this.session.accept(medium, { supportedLanguages }));
      this.log.info('connection probe answered');
      return;
    }
    if (!medium) {
      this.outcome ??= 'protocol_error';
      this.send(
        this.session.disconnect('error', 'none of the offered media is supported (audio PCMU/L16, 8000 Hz)'),
      );
      this.startGrace();
      return;
    }
    this.interactionId = step.open.conversationId.toLowerCase();
    this.continues = (step.open.continuedSessions ?? []).map((c) => c.id.toLowerCase());
    this.language = step.open.language ?? auth.tenant.language;
    this.send(this.session.accept(medium, { supportedLanguages }));
    this.provider = provider;
    const saturated = provider.supports(this.language) && provider.availableStreams() === 0;
    if (saturated) this.waitForRecognizer(provider);
    else this.openRecognizers(provider, medium);
    this.log.info(
      {
        tenantId: auth.tenant.tenantId,
        interactionId: this.interactionId,
        medium,
        stt: provider.name,
        paused: saturated,
        continues: this.continues.length ? this.continues : undefined,
      },
      'session opened',
    );
    // a continuation (reconnection) carries on an interaction that already started in the continued session
    if (this.continues.length) {
      this.deps.metrics.flowControl.inc({ type: 'continued' });
      this.log.info({ continues: this.continues }, 'session continues an earlier session (reconnect)');
      return;
    }
    this.track(
      this.publish(
        {
          kind: 'lifecycle',
          interactionId: this.interactionId,
          provider: 'genesys',
          state: 'started',
          vendorEvent: 'audiohook.open',
          attributes: {
            audiohookSessionId: this.session.id,
            participantId: step.open.participant.id ?? null,
            language: this.language,
            media: `${medium.format}/${medium.channels.join('+')}`,
          },
        },
        `${this.session.id}:started`,
      ),
    );
  }

  /** Opens one recognizer per channel (as many as the provider has free); their time starts now. */
  private openRecognizers(provider: SpeechToTextProvider, medium: SelectedMedium): void {
    for (const channel of medium.channels) {
      if (this.channels.get(channel)?.stream) continue;
      const state: ChannelState = { stream: null, n: 0, originMs: this.timeline.receivedMs };
      state.stream = provider.open({
        language: this.language,
        label: `${this.session.id}:${channel}`,
        phrases: this.auth?.tenant.vocabulary,
        onUtterance: (u) => {
          state.n += 1;
          this.onUtterance(channel, state.n, this.toStreamTime(state, u));
        },
        onError: (e) => {
          this.deps.metrics.sttErrors.inc({ provider: provider.name });
          this.log.warn({ channel, err: e.message }, 'speech-to-text stream failed');
        },
      });
      this.channels.set(channel, state);
      if (state.stream) this.transcribing = true;
    }
  }

  /** No stream free: `pause` the client and queue for the provider's next free stream. */
  private waitForRecognizer(provider: SpeechToTextProvider): void {
    this.send(this.session.request('pause'));
    this.deps.metrics.flowControl.inc({ type: 'pause' });
    this.cancelWait = this.deps.stt.queueFor(provider).enqueue({ grant: () => this.onRecognizerFree() });
    this.log.info(
      { stt: provider.name },
      'speech to text saturated: session paused until a recognizer is free',
    );
  }

  /**
   * A stream of the provider was released and this is the oldest waiting session: take the
   * recognizers now (so no newer session gets the slot) and `resume` the client.
   * @returns false when the session is ending (the queue tries the next one)
   */
  private onRecognizerFree(): boolean {
    this.cancelWait = undefined;
    const state = this.session.state;
    const medium = this.session.medium;
    if ((state !== 'active' && state !== 'paused') || !medium || !this.provider) return false;
    this.openRecognizers(this.provider, medium);
    if (!this.transcribing) this.log.warn('no recognizer after all; resuming untranscribed');
    this.send(this.session.request('resume'));
    this.resumeSent = true;
    this.deps.metrics.flowControl.inc({ type: 'resume' });
    this.log.info({ stt: this.provider.name }, 'recognizer free: session resumed');
    return true;
  }

  /** Recognizer times (from its first sample) → positions in the AudioHook stream. */
  private toStreamTime(state: ChannelState, u: RecognizedUtterance): RecognizedUtterance {
    const at = (ms: number) => this.timeline.toStreamMs(state.originMs + ms);
    return {
      ...u,
      startMs: at(u.startMs),
      endMs: at(u.endMs),
      words: u.words.map((w) => ({ ...w, startMs: at(w.startMs), endMs: at(w.endMs) })),
    };
  }

  private onAudio(buf: Buffer): void {
    const step = this.session.receiveAudio(buf.length);
    if (step.kind === 'violation') {
      this.log.warn({ info: step.info }, 'protocol violation');
      this.outcome ??= 'protocol_error';
      this.send(step.reply);
      this.startGrace();
      return;
    }
    const medium = this.session.medium;
    if (step.kind !== 'audio' || !medium) return;
    const perChannel = buf.length / ((medium.format === 'PCMU' ? 1 : 2) * medium.channels.length);
    this.audioSamples += perChannel;
    this.timeline.advance(perChannel, medium.rate);
    if (this.audioSamples >= 8000 * 10) this.flushAudioMetric(); // every 10 s of audio, not per frame
    if (!this.transcribing) return; // no decoding work without a recognizer
    for (const [ch, pcm] of splitChannels(buf, medium)) this.channels.get(ch)?.stream?.write(pcm);
  }

  private onUtterance(channel: MediaChannel, n: number, u: RecognizedUtterance): void {
    const auth = this.auth;
    if (!auth || !this.interactionId) return;
    const ctx = {
      interactionId: this.interactionId,
      sessionId: this.session.id,
      channel,
      n,
      language: this.language,
    };
    // the tenant's vocabulary (entity and product names) spelled where the recognizer heard a near miss
    const vocabulary = auth.tenant.vocabulary;
    const fixed = vocabulary.length ? vocabularyCorrectorFor(vocabulary).correct(u.text) : undefined;
    if (fixed?.corrections.length) {
      this.deps.metrics.vocabularyCorrections.inc(fixed.corrections.length);
      this.log.info({ channel, n, corrections: fixed.corrections }, 'vocabulary corrections');
      u = { ...u, text: fixed.text };
    }
    const data = utteranceEvent(ctx, u);
    this.deps.metrics.utterances.inc({
      speaker: speakerOf(channel),
      provider: this.provider?.name ?? auth.tenant.sttProvider,
    });
    if (this.session.state === 'closed') this.deps.metrics.lateUtterances.inc();
    this.log.info({ channel, n, text: u.text, offsetMs: u.startMs }, 'utterance');
    if (data.kind === 'utterance') this.track(this.publish(data, data.utteranceId));
    if (auth.tenant.sendTranscriptEvents) this.send(this.session.event([transcriptEntity(ctx, u)]));
  }

  /** Ends every recognizer, waiting for their last utterances and for pending publishes. */
  private flush(): Promise<void> {
    this.flushed ??= (async () => {
      this.cancelWait?.(); // a session still waiting for a recognizer leaves the queue
      this.cancelWait = undefined;
      await Promise.all([...this.channels.values()].map((c) => c.stream?.end()));
      // no `ended` when the client moved the interaction to a continuation session (reconnect): the
      // suggestion service would drop the conversation's context while the call goes on
      if (this.interactionId && this.auth && !this.movedToContinuation) {
        this.track(
          this.publish(
            {
              kind: 'lifecycle',
              interactionId: this.interactionId,
              provider: 'genesys',
              state: 'ended',
              vendorEvent: 'audiohook.close',
              attributes: { audiohookSessionId: this.session.id },
            },
            `${this.session.id}:ended`,
          ),
        );
      }
      while (this.publishing.size) await Promise.all([...this.publishing]);
    })();
    return this.flushed;
  }

  private async onClose(reason: string): Promise<void> {
    this.log.info({ reason }, 'client close');
    if (reason === 'reconnect') {
      this.movedToContinuation = true;
      this.outcome ??= 'reconnected';
    }
    this.outcome ??= 'closed';
    // answer within the client's close timeout: a recognizer still flushing goes on after `closed`, and its late
    // final utterances are published then (counted in audiohook_late_utterances_total), never dropped silently
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((r) => (timer = setTimeout(r, this.deps.closeFlushWaitMs))),
    ]);
    clearTimeout(timer);
    this.send(this.session.closed());
    this.startGrace();
  }

  private refuse(reason: string): void {
    this.deps.metrics.authFailures.inc({ reason });
    this.log.warn({ reason }, 'AudioHook connection refused');
    this.outcome ??= 'unauthorized';
    this.send(this.session.disconnect('unauthorized'));
    this.startGrace();
  }

  /**
   * Graceful shutdown (AudioHook protocol v2, "reconnection"): an open session first gets `reconnect`; a
   * client that follows it opens a continuation on another instance and closes this session with reason
   * `reconnect` (its last utterances are flushed and published, no `ended`). A session still here after
   * `reconnectWaitMs` (or at once when 0) gets `disconnect` (reason `completed`), is flushed, and the
   * client's `close` → `closed`; the socket is dropped after the grace period.
   */
  async shutdown(): Promise<void> {
    if (this.deps.reconnectWaitMs > 0 && !this.probe && this.interactionId) {
      const msg = this.session.reconnect('server shutting down');
      if (msg) {
        this.send(msg);
        this.deps.metrics.flowControl.inc({ type: 'reconnect' });
        let timer: NodeJS.Timeout | undefined;
        const moved = await Promise.race([
          this.done.then(() => true),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.deps.reconnectWaitMs))),
        ]);
        clearTimeout(timer);
        if (moved) return;
      }
    }
    this.outcome ??= 'shutdown';
    const msg = this.session.disconnect('completed', 'server shutting down');
    if (msg) {
      this.send(msg);
      await this.flush();
      this.startGrace();
    }
    await this.done;
  }

  /** After `disconnect`/`closed` the client should close the socket; if not, drop it after the grace period. */
  private startGrace(): void {
    if (this.graceTimer) return;
    this.graceTimer = setTimeout(() => {
      if (this.session.state === 'closed') this.ws.close(1000);
      else this.ws.terminate();
    }, this.deps.closeGraceMs);
  }

  private flushAudioMetric(): void {
    const m = this.session.medium;
    if (m && this.audioSamples) {
      for (const ch of m.channels)
        this.deps.metrics.audioSeconds.inc({ channel: ch }, this.audioSamples / m.rate);
    }
    this.audioSamples = 0;
  }

  private async onSocketClosed(): Promise<void> {
    this.flushAudioMetric();
    clearTimeout(this.openTimer);
    clearTimeout(this.graceTimer);
    if (this.session.state !== 'closed') this.outcome ??= 'aborted';
    try {
      await this.chain;
      await this.flush(); // a dropped connection still delivers what was recognized
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'flush after close failed');
    }
    this.deps.metrics.sessionsActive.dec();
    this.deps.metrics.sessions.inc({ outcome: this.outcome ?? 'aborted' });
    this.log.info({ outcome: this.outcome, probe: this.probe }, 'session ended');
  }

  private publish(data: ConversationEvent, key: string): Promise<void> {
    const tenantId = this.auth?.tenant.tenantId;
    if (!tenantId) return Promise.resolve();
    return this.deps.publisher.publish(tenantId, data, key).catch((e: Error) => {
      this.deps.metrics.publishFailures.inc();
      this.log.error({ err: e.message, key }, 'could not publish conversation event');
    });
  }

  private track(p: Promise<void>): void {
    this.publishing.add(p);
    void p.finally(() => this.publishing.delete(p));
  }

  private send(msg: ServerMessage | null): void {
    if (!msg || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(msg));
  }
}
