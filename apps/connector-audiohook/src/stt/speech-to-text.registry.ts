import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { SpeechClient } from '@google-cloud/speech';
import { OutboundHttp } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import type { AudioHookConfig } from '../config';
import type { AudioHookMetrics } from '../metrics';
import { AUDIOHOOK_CONFIG, AUDIOHOOK_METRICS } from '../tokens';
import { GoogleSpeechToText, type StreamingSpeechClient } from './google-speech.provider';
import { OpenAiTranscriptionSpeechToText } from './openai-transcription.provider';
import { VoskSpeechToText } from './vosk.provider';
import { defaultMoonshineModelDir, MoonshineSpeechToText } from './moonshine.provider';
import { PocketSphinxSpeechToText } from './pocketsphinx.provider';
import { RecognizerWaitQueue } from './recognizer-wait-queue';
import { NullSpeechToText, type SpeechToTextProvider } from './speech-to-text';

/**
 * Chooses the speech-to-text provider of a session: `AUDIOHOOK_STT` forces one (`none` disables
 * transcription); with `tenant` the integration's `sttProvider` decides. Holds one
 * {@link RecognizerWaitQueue} per provider for sessions paused while the provider is saturated.
 */
@Injectable()
export class SpeechToTextRegistry implements OnModuleDestroy {
  readonly none = new NullSpeechToText();
  readonly pocketsphinx: PocketSphinxSpeechToText;
  readonly google: GoogleSpeechToText;
  readonly openai: OpenAiTranscriptionSpeechToText;
  readonly vosk: VoskSpeechToText;
  readonly moonshine: MoonshineSpeechToText;
  private readonly queues = new Map<SpeechToTextProvider, RecognizerWaitQueue>();

  constructor(
    @Inject(AUDIOHOOK_CONFIG) private readonly config: AudioHookConfig,
    @Inject(AUDIOHOOK_METRICS) metrics: AudioHookMetrics,
    @Inject(LOGGER) logger: Logger,
    http: OutboundHttp,
  ) {
    // tenant-independent hosts from the environment, vetted like any outbound URL: a refused one stops the start
    for (const [name, url] of [
      ['OPENAI_STT_BASE_URL', config.OPENAI_STT_BASE_URL],
      ['VOSK_STT_URL', config.VOSK_STT_URL],
    ] as const) {
      const refusal = url ? http.refusal(url) : null;
      if (refusal) throw new Error(`${name}: ${refusal}`);
    }
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
    this.openai = new OpenAiTranscriptionSpeechToText({
      baseUrl: config.OPENAI_STT_BASE_URL ?? 'http://openai-stt.invalid',
      apiKey: config.OPENAI_STT_API_KEY,
      model: config.OPENAI_STT_MODEL,
      responseFormat: config.OPENAI_STT_RESPONSE_FORMAT,
      maxStreams: config.OPENAI_STT_BASE_URL ? config.OPENAI_STT_MAX_STREAMS : 0,
      timeoutMs: config.OPENAI_STT_TIMEOUT_MS,
      maxAttempts: config.OPENAI_STT_MAX_ATTEMPTS,
      retryDelayMs: config.OPENAI_STT_RETRY_DELAY_MS,
      http,
      logger,
      onRetry: () => metrics.sttRetries.inc({ provider: 'openai' }),
      onDropped: (reason) => metrics.sttDroppedUtterances.inc({ provider: 'openai', reason }),
    });
    this.vosk = new VoskSpeechToText({
      url: config.VOSK_STT_URL ?? 'ws://vosk-stt.invalid',
      maxStreams: config.VOSK_STT_URL ? config.VOSK_STT_MAX_STREAMS : 0,
      timeoutMs: config.VOSK_STT_TIMEOUT_MS,
      phraseList: config.VOSK_STT_PHRASE_LIST,
      maxBacklogMs: config.STT_MAX_BACKLOG_MS,
      http,
      logger,
      onDropped: (reason) => metrics.sttDroppedUtterances.inc({ provider: 'vosk', reason }),
    });
    this.moonshine = new MoonshineSpeechToText({
      modelDir: config.MOONSHINE_MODEL_DIR ?? defaultMoonshineModelDir(),
      maxStreams: config.MOONSHINE_MAX_STREAMS,
      concurrency: config.MOONSHINE_CONCURRENCY,
      threads: config.MOONSHINE_THREADS,
      maxPendingMs: config.MOONSHINE_MAX_PENDING_MS,
      logger,
      onDropped: (reason) => metrics.sttDroppedUtterances.inc({ provider: 'moonshine', reason }),
      onTranscribed: (inferenceMs, audioMs) => {
        metrics.sttInferenceSeconds.inc({ provider: 'moonshine' }, inferenceMs / 1000);
        metrics.sttAudioSeconds.inc({ provider: 'moonshine' }, audioMs / 1000);
      },
    });
    for (const p of [this.moonshine, this.pocketsphinx, this.google, this.openai, this.vosk]) {
      this.queues.set(
        p,
        new RecognizerWaitQueue(p, (n) => metrics.sttWaitingSessions.set({ provider: p.name }, n)),
      );
    }
  }

  /** Stops the in-process recognizers' worker threads. */
  async onModuleDestroy(): Promise<void> {
    await this.moonshine.close();
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
  providerFor(
    tenantChoice: 'moonshine' | 'pocketsphinx' | 'google' | 'openai' | 'vosk',
  ): SpeechToTextProvider {
    const mode = this.config.AUDIOHOOK_STT;
    const choice = mode === 'tenant' ? tenantChoice : mode;
    return this[choice];
  }
}
