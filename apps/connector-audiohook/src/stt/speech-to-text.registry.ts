import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { SpeechClient } from '@google-cloud/speech';
import { LOGGER } from '@hub/observability';
import type { AudioHookConfig } from '../config';
import type { AudioHookMetrics } from '../metrics';
import { AUDIOHOOK_CONFIG, AUDIOHOOK_METRICS } from '../tokens';
import { GoogleSpeechToText, type StreamingSpeechClient } from './google-speech.provider';
import { PocketSphinxSpeechToText } from './pocketsphinx.provider';
import { RecognizerWaitQueue } from './recognizer-wait-queue';
import { NullSpeechToText, type SpeechToTextProvider } from './speech-to-text';

/**
 * Chooses the speech-to-text provider of a session: `AUDIOHOOK_STT` forces one (`none` disables
 * transcription); with `tenant` the integration's `sttProvider` decides. Holds one
 * {@link RecognizerWaitQueue} per provider for sessions paused while the provider is saturated.
 */
@Injectable()
export class SpeechToTextRegistry {
  readonly none = new NullSpeechToText();
  readonly pocketsphinx: PocketSphinxSpeechToText;
  readonly google: GoogleSpeechToText;
  private readonly queues = new Map<SpeechToTextProvider, RecognizerWaitQueue>();

  constructor(
    @Inject(AUDIOHOOK_CONFIG) private readonly config: AudioHookConfig,
    @Inject(AUDIOHOOK_METRICS) metrics: AudioHookMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.pocketsphinx = new PocketSphinxSpeechToText({
      binary: config.POCKETSPHINX_BIN,
      hmm: config.POCKETSPHINX_HMM,
      lm: config.POCKETSPHINX_LM,
      dict: config.POCKETSPHINX_DICT,
      maxStreams: config.POCKETSPHINX_MAX_STREAMS,
      maxBacklogMs: config.STT_MAX_BACKLOG_MS,
      noiseFill: config.POCKETSPHINX_NOISE_FILL,
      flushTimeoutMs: config.STT_FLUSH_TIMEOUT_MS,
      logger,
      onDropped: (ms) => metrics.sttDroppedSeconds.inc(ms / 1000),
      onFlushTimeout: () => metrics.sttFlushTimeouts.inc({ provider: 'pocketsphinx' }),
    });
    this.google = new GoogleSpeechToText({
      // Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or workload identity)
      clientFactory: () => new SpeechClient() as unknown as StreamingSpeechClient,
      model: config.GOOGLE_STT_MODEL,
      maxStreamMs: config.GOOGLE_STT_MAX_STREAM_MS,
      maxStreams: config.GOOGLE_STT_MAX_STREAMS,
      languages: config.GOOGLE_STT_LANGUAGES,
      logger,
    });
    for (const p of [this.pocketsphinx, this.google]) {
      this.queues.set(
        p,
        new RecognizerWaitQueue(p, (n) => metrics.sttWaitingSessions.set({ provider: p.name }, n)),
      );
    }
  }

  /**
   * The wait queue of a provider (sessions paused until one of its streams is free).
   * @throws Error for a provider without capacity limits (the null provider)
   */
  queueFor(provider: SpeechToTextProvider): RecognizerWaitQueue {
    const q = this.queues.get(provider);
    if (!q) throw new Error(`no recognizer queue for provider '${provider.name}'`);
    return q;
  }

  /** @param tenantChoice the integration's `sttProvider` */
  providerFor(tenantChoice: 'pocketsphinx' | 'google'): SpeechToTextProvider {
    const mode = this.config.AUDIOHOOK_STT;
    const choice = mode === 'tenant' ? tenantChoice : mode;
    if (choice === 'none') return this.none;
    return choice === 'google' ? this.google : this.pocketsphinx;
  }
}
