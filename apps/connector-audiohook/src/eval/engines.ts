import type { Logger } from 'pino';
import { defaultMoonshineModelDir, MoonshineSpeechToText } from '../stt/moonshine.provider';
import { PocketSphinxSpeechToText } from '../stt/pocketsphinx.provider';
import type { SpeechToTextProvider } from '../stt/speech-to-text';

/**
 * The offline engines of the evaluation scripts (`eval:wer`, `eval:spoken-set`), configured never to drop speech
 * (backlogs of an hour, long flush timeouts): `moonshine` (one worker, `MOONSHINE_MODEL_DIR` or the fetched model),
 * `pocketsphinx` (noise fill `POCKETSPHINX_NOISE_FILL`, default 330), `pocketsphinx-no-fill`.
 * @param streams recognizer streams at once (the scripts' `--concurrency`)
 * @returns engine name → factory
 */
export function evaluationEngines(
  streams: number,
  logger: Logger,
): Record<string, () => SpeechToTextProvider> {
  const pocketsphinx = (noiseFill: number) =>
    new PocketSphinxSpeechToText({
      binary: process.env['POCKETSPHINX_BIN'] ?? 'pocketsphinx_continuous',
      maxStreams: streams,
      maxBacklogMs: 3_600_000,
      noiseFill,
      flushTimeoutMs: 120_000,
      logger,
    });
  return {
    moonshine: () =>
      new MoonshineSpeechToText({
        modelDir: process.env['MOONSHINE_MODEL_DIR'] ?? defaultMoonshineModelDir(),
        maxStreams: streams,
        concurrency: 1,
        threads: 1,
        maxPendingMs: 3_600_000,
        logger,
      }),
    pocketsphinx: () => pocketsphinx(Number(process.env['POCKETSPHINX_NOISE_FILL'] ?? 330)),
    'pocketsphinx-no-fill': () => pocketsphinx(0),
  };
}
