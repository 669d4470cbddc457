import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The ONNX files of a Moonshine export (Hugging Face Optimum layout, as shipped in `@moonshine-ai/moonshine-js`). */
export const MOONSHINE_FILES = ['encoder_model.onnx', 'decoder_model_merged.onnx'] as const;

/** A Moonshine transcription of one utterance. */
export interface MoonshineResult {
  /** Decoded text (punctuated, cased), trimmed; empty when the model produced only `</s>`. */
  text: string;
  /**
   * Geometric mean of the chosen tokens' probabilities (incl. `</s>`), in (0, 1]: exp(mean log softmax), the
   * greedy decoder's confidence.
   */
  confidence: number;
  /** Tokens generated (without start/end tokens). */
  tokens: number;
}

/** The missing model files of `dir` (empty when the model is complete). */
export function missingMoonshineFiles(dir: string): string[] {
  return MOONSHINE_FILES.map((f) => join(dir, f)).filter((p) => !existsSync(p));
}
