import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How a session ended. */
export type SessionOutcome =
  'closed' | 'reconnected' | 'unauthorized' | 'protocol_error' | 'shutdown' | 'aborted' | 'timeout';

/** Prometheus metrics of connector-audiohook (names prefixed `audiohook_`). */
export class AudioHookMetrics {
  readonly sessionsActive: Gauge;
  readonly sessions: Counter<'outcome'>;
  readonly authFailures: Counter<'reason'>;
  readonly pingHandling: Histogram;
  readonly audioSeconds: Counter<'channel'>;
  readonly utterances: Counter<'speaker' | 'provider'>;
  readonly sttDroppedSeconds: Counter;
  readonly sttErrors: Counter<'provider'>;
  readonly publishFailures: Counter;
  readonly clientErrors: Counter<'code'>;
  readonly sttWaitingSessions: Gauge<'provider'>;
  readonly flowControl: Counter<'type'>;
  /** Recognizers killed at `STT_FLUSH_TIMEOUT_MS` (their last words lost), by provider. */
  readonly sttFlushTimeouts: Counter<'provider'>;
  /** Audio the client reported as never sent (`resumed` after a pause, `discarded`), seconds. */
  readonly discardedAudioSeconds: Counter<'kind'>;
  /** Retried speech-to-text requests (429/5xx/network), by provider. */
  readonly sttRetries: Counter<'provider'>;
  /** CPU-bound inference time of in-process recognizers, seconds (÷ audio seconds = real-time factor). */
  readonly sttInferenceSeconds: Counter<'provider'>;
  /** Recognized words replaced by the tenant vocabulary's spelling ({@link VocabularyCorrector}). */
  readonly vocabularyCorrections: Counter;
  /** Speech transcribed by in-process recognizers, seconds. */
  readonly sttAudioSeconds: Counter<'provider'>;
  /** Utterances detected but lost (never published), by provider and reason. */
  readonly sttDroppedUtterances: Counter<'provider' | 'reason'>;
  /** Final utterances published after the session's `closed` (recognized late, never silently lost). */
  readonly lateUtterances: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.sessionsActive = new Gauge({
      name: 'audiohook_sessions_active',
      help: 'Open AudioHook WebSocket connections.',
      registers,
    });
    this.sessions = new Counter({
      name: 'audiohook_sessions_total',
      help: 'Ended AudioHook sessions by outcome (closed, unauthorized, protocol_error, shutdown, aborted, timeout).',
      labelNames: ['outcome'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'audiohook_auth_failures_total',
      help: 'Refused AudioHook connections by reason (unknown_api_key, organization_mismatch, signature reasons, replayed_nonce).',
      labelNames: ['reason'],
      registers,
    });
    this.pingHandling = new Histogram({
      name: 'audiohook_ping_handling_seconds',
      help: 'Time from receiving a ping to sending its pong, seconds.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    });
    this.audioSeconds = new Counter({
      name: 'audiohook_audio_seconds_total',
      help: 'Audio received per channel, seconds.',
      labelNames: ['channel'],
      registers,
    });
    this.utterances = new Counter({
      name: 'audiohook_utterances_total',
      help: 'Final utterances published as conversation events.',
      labelNames: ['speaker', 'provider'],
      registers,
    });
    this.sttDroppedSeconds = new Counter({
      name: 'audiohook_stt_dropped_audio_seconds_total',
      help: 'Audio not transcribed because a recognizer fell behind real time, seconds.',
      registers,
    });
    this.sttErrors = new Counter({
      name: 'audiohook_stt_errors_total',
      help: 'Speech-to-text stream errors by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.publishFailures = new Counter({
      name: 'audiohook_publish_failures_total',
      help: 'Conversation events that could not be published to Kafka after retries.',
      registers,
    });
    this.clientErrors = new Counter({
      name: 'audiohook_client_errors_total',
      help: "AudioHook 'error' messages received from clients, by code (e.g. 408, 429, 500).",
      labelNames: ['code'],
      registers,
    });
    this.sttWaitingSessions = new Gauge({
      name: 'audiohook_stt_waiting_sessions',
      help: 'Sessions paused (server pause) because their speech-to-text provider has no stream left, by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.sttFlushTimeouts = new Counter({
      name: 'audiohook_stt_flush_timeouts_total',
      help: 'Recognizers killed at STT_FLUSH_TIMEOUT_MS while flushing (their last words are lost), by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.discardedAudioSeconds = new Counter({
      name: 'audiohook_discarded_audio_seconds_total',
      help: "Audio the client reported as never sent, seconds: kind 'resumed' (discarded while paused, e.g. waiting for a recognizer, reported by resumed), 'closed_paused' (the call ended while still paused) or 'discarded'.",
      labelNames: ['kind'],
      registers,
    });
    this.sttRetries = new Counter({
      name: 'audiohook_stt_retries_total',
      help: 'Speech-to-text requests retried after 408/429/5xx or a network error, by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.vocabularyCorrections = new Counter({
      name: 'audiohook_vocabulary_corrections_total',
      help: "Near misses of the tenant vocabulary (entity and product names) in recognized text replaced by the vocabulary's spelling.",
      registers,
    });
    this.sttInferenceSeconds = new Counter({
      name: 'audiohook_stt_inference_seconds_total',
      help: 'Inference time of in-process speech recognizers (moonshine), seconds, by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.sttAudioSeconds = new Counter({
      name: 'audiohook_stt_audio_seconds_total',
      help: 'Speech (VAD segments) transcribed by in-process recognizers, seconds, by provider; inference ÷ audio = real-time factor.',
      labelNames: ['provider'],
      registers,
    });
    this.sttDroppedUtterances = new Counter({
      name: 'audiohook_stt_dropped_utterances_total',
      help: 'Detected utterances that were never published, by provider and reason (rejected = permanent 4xx, retries_exhausted, bad_response, stream_destroyed, connection_lost, no_final, ...).',
      labelNames: ['provider', 'reason'],
      registers,
    });
    this.lateUtterances = new Counter({
      name: 'audiohook_late_utterances_total',
      help: "Final utterances recognized after the session's closed was sent; published, not sent to the client.",
      registers,
    });
    this.flowControl = new Counter({
      name: 'audiohook_flow_control_total',
      help: "Server flow-control: 'pause' (no recognizer free), 'resume' (one freed up), 'reconnect' (sent at shutdown), 'continued' (a session opened as the continuation of another).",
      labelNames: ['type'],
      registers,
    });
  }
}
