import { z } from 'zod';
import { DatabaseConfigSchema, HttpConfigSchema, KafkaConfigSchema, RedisConfigSchema } from '@hub/config';
import { OutboundConfigSchema, SecretsConfigSchema } from '@hub/integrations';

/**
 * Environment of connector-audiohook (validated once in main.ts by `loadConfig`; a bad value stops
 * the service at start with a message naming the variable). Per-tenant settings (organization id,
 * API key, client secret, speech-to-text provider, transcript events) come from the `integrations`
 * table (type `genesys_audiohook`), not from here.
 */
export const AudioHookConfigSchema = z.object({
  ...HttpConfigSchema.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(3062),
  ...DatabaseConfigSchema.shape,
  ...SecretsConfigSchema.shape,
  ...OutboundConfigSchema.shape,
  ...KafkaConfigSchema.shape,
  ...RedisConfigSchema.shape,
  /** Path of the AudioHook WebSocket endpoint (the URI configured in Genesys Cloud). */
  AUDIOHOOK_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be an absolute path')
    .default('/audiohook/ws'),
  /** Fixed minimum time before an authentication failure is signalled (timing side channels), ms. */
  AUDIOHOOK_AUTH_FAILURE_DELAY_MS: z.coerce.number().int().min(0).max(30_000).default(1000),
  /** Oldest accepted signature `created`, seconds. */
  AUDIOHOOK_SIGNATURE_MAX_AGE_S: z.coerce.number().int().min(1).max(3600).default(60),
  /** Allowed clock difference to the Genesys client, seconds. */
  AUDIOHOOK_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(300).default(5),
  /** Shortest accepted signature nonce, characters. */
  AUDIOHOOK_MIN_NONCE_LENGTH: z.coerce.number().int().min(0).max(256).default(16),
  /** How long the tenant (integration) lookup is cached, ms. */
  AUDIOHOOK_TENANT_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** A connection that sends no `open` within this time is disconnected, ms. */
  AUDIOHOOK_OPEN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** After `disconnect` or `closed`, how long the client has to close the WebSocket before it is dropped, ms. */
  AUDIOHOOK_CLOSE_GRACE_MS: z.coerce.number().int().min(10).max(60_000).default(3000),
  /**
   * Shutdown (rolling update): how long open sessions get to move to another instance after `reconnect`
   * (the client opens a continuation elsewhere, then closes here with reason `reconnect`), ms; sessions still
   * here afterwards get `disconnect`. 0 = no reconnect, `disconnect` at once.
   */
  /**
   * The client's \`close\` is answered with \`closed\` after at most this long, ms, even when the recognizers are
   * still flushing (Genesys gives up on the close transaction after ~10 s, error 408); their late final
   * utterances are still published afterwards.
   */
  AUDIOHOOK_CLOSE_FLUSH_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  AUDIOHOOK_RECONNECT_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** Most concurrent sessions; further upgrades get HTTP 503. */
  AUDIOHOOK_MAX_SESSIONS: z.coerce.number().int().min(1).max(100_000).default(2000),
  /**
   * Speech to text: `tenant` = the integration's `sttProvider`; `none` = no transcription (capacity
   * runs); `moonshine` / `pocketsphinx` / `google` / `openai` / `vosk` = force one provider for every tenant.
   */
  AUDIOHOOK_STT: z
    .enum(['tenant', 'none', 'moonshine', 'pocketsphinx', 'google', 'openai', 'vosk'])
    .default('tenant'),
  /**
   * Moonshine (offline, in process) model folder: `encoder_model.onnx` + `decoder_model_merged.onnx`, as
   * `tools/models/fetch-models.sh` unpacks them; default `$HUB_MODELS_DIR/moonshine-tiny-q`
   * (`~/.cache/engagement-hub/models/moonshine-tiny-q`). Missing files: the provider has no capacity.
   */
  MOONSHINE_MODEL_DIR: z.string().min(1).optional(),
  /**
   * Channels transcribed at once by Moonshine (each runs a Silero VAD, ≈ 0.5 % of a core; utterances beyond the
   * workers' pace wait in order); further sessions are paused. 0 disables it.
   */
  MOONSHINE_MAX_STREAMS: z.coerce.number().int().min(0).max(10_000).default(200),
  /** Moonshine inferences at once (≈ cores given to speech; utterances beyond wait in order). */
  MOONSHINE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** onnxruntime threads per Moonshine inference. */
  MOONSHINE_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  /** Speech of one channel waiting for Moonshine before further utterances are dropped (counted), ms. */
  MOONSHINE_MAX_PENDING_MS: z.coerce.number().int().min(1000).max(600_000).default(60_000),
  /** `pocketsphinx_continuous` executable (Debian `pocketsphinx`). */
  POCKETSPHINX_BIN: z.string().min(1).default('pocketsphinx_continuous'),
  /** Acoustic model dir, language model and dictionary; the engine's built-in en-us defaults when unset. */
  POCKETSPHINX_HMM: z.string().min(1).optional(),
  POCKETSPHINX_LM: z.string().min(1).optional(),
  POCKETSPHINX_DICT: z.string().min(1).optional(),
  /** Most PocketSphinx recognizers (one process per channel) at once; ≈ CPU cores / real-time factor. */
  POCKETSPHINX_MAX_STREAMS: z.coerce.number().int().min(0).max(1000).default(8),
  /** Peak amplitude (16-bit units) of the 4–8 kHz noise fill for the wide-band model; 0 disables. */
  POCKETSPHINX_NOISE_FILL: z.coerce.number().min(0).max(5000).default(330),
  /** Audio a lagging recognizer may buffer before frames are dropped, ms. */
  STT_MAX_BACKLOG_MS: z.coerce.number().int().min(200).max(600_000).default(10_000),
  /** How long a recognizer may take to deliver its last utterance at the end of a session, ms. */
  STT_FLUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Google Cloud Speech-to-Text model (`phone_call`, `telephony`, `latest_long` …). Credentials: ADC. */
  GOOGLE_STT_MODEL: z.string().min(1).default('phone_call'),
  GOOGLE_STT_MAX_STREAMS: z.coerce.number().int().min(0).max(100_000).default(500),
  /**
   * Languages the Google model transcribes, comma-separated BCP 47 tags, advertised to Genesys in
   * `opened.supportedLanguages` for tenants on the Google provider.
   */
  GOOGLE_STT_LANGUAGES: z
    .string()
    .default('en-US')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be BCP 47 language tags')).min(1),
    ),
  /** Audio per Google streaming call before it is renewed (Google's limit is ≈305 s), ms. */
  GOOGLE_STT_MAX_STREAM_MS: z.coerce.number().int().min(1000).max(300_000).default(290_000),
  /**
   * OpenAI-compatible transcription server root (`POST {url}/v1/audio/transcriptions`), e.g. `https://api.openai.com`
   * or an on-premise faster-whisper / whisper.cpp server; vetted by the outbound URL policy (`OUTBOUND_*`) at start
   * and on every request. Unset: the `openai` provider has no capacity (its tenants are not transcribed).
   */
  OPENAI_STT_BASE_URL: z.url().optional(),
  /** Bearer token for that server (secret; from the environment / secret store, never logged). */
  OPENAI_STT_API_KEY: z.string().min(1).optional(),
  /** `model` field (`whisper-1`, `gpt-4o-transcribe`, a local model id …). */
  OPENAI_STT_MODEL: z.string().min(1).default('whisper-1'),
  /** `response_format`: `verbose_json` (segments, word times) or `json` (text only). */
  OPENAI_STT_RESPONSE_FORMAT: z.enum(['json', 'verbose_json']).default('verbose_json'),
  /** Channels transcribed at once by the `openai` provider (each runs a VAD; one request in flight per channel). */
  OPENAI_STT_MAX_STREAMS: z.coerce.number().int().min(0).max(100_000).default(200),
  /** Deadline of one transcription request, ms. */
  OPENAI_STT_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** Attempts per utterance for 408/429/5xx and network errors (1 = no retry). */
  OPENAI_STT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  /** First retry delay, ms (exponential backoff with jitter, at most 10×). */
  OPENAI_STT_RETRY_DELAY_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  /**
   * Vosk server WebSocket URL (alphacep/vosk-server `asr_server.py` protocol), e.g. `ws://vosk:2700`; vetted by the
   * outbound URL policy. Unset: the `vosk` provider has no capacity.
   */
  VOSK_STT_URL: z
    .url()
    .refine((u) => /^wss?:/i.test(u), 'must be a ws:// or wss:// URL')
    .optional(),
  /** Vosk connections at once (one per channel). */
  VOSK_STT_MAX_STREAMS: z.coerce.number().int().min(0).max(100_000).default(200),
  /**
   * Send the tenant vocabulary as Vosk `phrase_list` (a Kaldi grammar: recognition is then restricted to those
   * phrases plus `[unk]`, for menu-style input; off by default).
   */
  VOSK_STT_PHRASE_LIST: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .default(false),
  /** Time to connect and get the config accepted, and to get the final result after `eof`, ms. */
  VOSK_STT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
});
export type AudioHookConfig = z.infer<typeof AudioHookConfigSchema>;
