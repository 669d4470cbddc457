import { Injectable } from '@nestjs/common';
import winkNLP, { type ItemSentence, type ItemToken } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { selectSummarySentences, type ScoredSentence } from '../domain/extractive-summary';
import type { Summarizer, SummaryInput } from './summarizer';

type Nlp = ReturnType<typeof winkNLP>;
let shared: Nlp | undefined;
/**
 * Pipeline stages the summary needs: sentence boundaries (`sbd`) and part-of-speech tags (`pos`, used
 * by `sentenceWiseImportance` and lemmas). The default pipeline also runs negation, sentiment and
 * named-entity recognition, unused here: measured ~1.9 ms → ~0.3 ms per 100-character transcript, with
 * identical sentences, importance, lemmas and stop-word flags on the 129 demo transcripts.
 */
export const SUMMARY_PIPE = ['sbd', 'pos'];
/** The wink-nlp pipeline with the English lite web model (loaded once per process, ~1 MB). */
function nlp(): Nlp {
  shared ??= winkNLP(model, SUMMARY_PIPE);
  return shared;
}

/**
 * Offline extractive summarizer (no network): the customer's side of the transcript (all lines if
 * the customer said nothing) is split into sentences by wink-nlp; each sentence is scored by
 * wink-nlp's `sentenceWiseImportance` (part-of-speech n-gram salience) plus a content score — the
 * sum of `log(1 + tf)` over its distinct non-stop-word lemmas, tf counted over the whole text,
 * normalized to the best sentence — so sentences about what the customer keeps coming back to win.
 * The best `maxSentences` are returned in conversation order ({@link selectSummarySentences}).
 */
@Injectable()
export class LibrarySummarizer implements Summarizer {
  constructor(private readonly maxSentences = 3) {}

  /**
   * @returns up to `maxSentences` sentences of the customer's utterances (all utterances when the
   *          customer said nothing), in conversation order, ≤ 600 characters; null for an empty transcript
   */
  async summarize(input: SummaryInput): Promise<string | null> {
    const customer = input.transcript.filter((t) => t.role === 'user' && t.text.trim());
    const lines = (customer.length ? customer : input.transcript.filter((t) => t.text.trim())).map((t) =>
      terminate(t.text.trim().replace(/\s+/g, ' ')),
    );
    if (!lines.length) return null;
    const n = nlp();
    const its = n.its;
    const doc = n.readDoc(lines.join(' '));
    const importance = doc.out(its.sentenceWiseImportance) as unknown as {
      index: number;
      importance: number;
    }[];

    const tf = new Map<string, number>();
    const perSentence: string[][] = [];
    doc.sentences().each((s: ItemSentence) => {
      const lemmas: string[] = [];
      s.tokens()
        .filter((t: ItemToken) => t.out(its.type) === 'word' && !t.out(its.stopWordFlag))
        .each((t: ItemToken) => {
          // wink-nlp typings declare `lemma` with an extra `addons` parameter that `out()` supplies itself.
          const l = String(t.out(its.lemma as unknown as typeof its.normal)).toLowerCase();
          lemmas.push(l);
          tf.set(l, (tf.get(l) ?? 0) + 1);
        });
      perSentence.push(lemmas);
    });
    const raw = perSentence.map((lemmas) =>
      [...new Set(lemmas)].reduce((a, l) => a + Math.log1p(tf.get(l) ?? 0), 0),
    );
    const max = Math.max(...raw, 1e-9);
    const texts = doc.sentences().out() as string[];
    const scored: ScoredSentence[] = texts.map((text, i) => ({
      text,
      importance: importance[i]?.importance ?? 0,
      content: raw[i] / max,
      contentWords: perSentence[i].length,
    }));
    return selectSummarySentences(scored, { maxSentences: this.maxSentences });
  }
}

/** Ends a chat line with a full stop when it has no sentence-final punctuation, so lines stay sentences. */
function terminate(line: string): string {
  return /[.!?…]["')\]]?$/.test(line) ? line : `${line}.`;
}
