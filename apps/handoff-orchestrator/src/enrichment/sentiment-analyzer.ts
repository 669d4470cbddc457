import { Injectable } from '@nestjs/common';
import Sentiment from 'sentiment';
import type { TranscriptEntry } from '@hub/contracts';
import { normalizeValence, recentCustomerText } from '../domain/sentiment-normalization';

/**
 * Sentiment of the customer at escalation time with the `sentiment` library (AFINN-165 word
 * valences -5…+5, negation-aware): the AFINN score of the customer's last 5 utterances,
 * normalized to (-1, 1) by {@link normalizeValence} (`x / sqrt(x² + 15)`, VADER's normalization).
 */
@Injectable()
export class SentimentAnalyzer {
  private readonly sentiment = new Sentiment();

  /** @returns score in (-1, 1), or null when the customer said nothing */
  score(transcript: readonly TranscriptEntry[]): number | null {
    const text = recentCustomerText(transcript, 5);
    if (!text) return null;
    return normalizeValence(this.sentiment.analyze(text).score);
  }
}
