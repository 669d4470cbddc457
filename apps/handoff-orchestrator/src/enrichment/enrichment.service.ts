import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { HandoffRequest } from '@hub/contracts';
import { IntegrationStore } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { LibrarySummarizer } from './library-summarizer';
import { LlmSummarizer } from './llm-summarizer';
import { OpenAiChatRepository } from './openai-chat.repository';
import { SentimentAnalyzer } from './sentiment-analyzer';
import type { DerivedSource } from './summarizer';

/** Fields derived for the agent, each with the component that produced it. */
export interface Enrichment {
  summary: string | null;
  summarySource: DerivedSource;
  sentiment: number | null;
  sentimentSource: DerivedSource;
}

/** Injection token of the enrichment options. */
export const ENRICHMENT_OPTIONS = Symbol('ENRICHMENT_OPTIONS');
export interface EnrichmentOptions {
  /** Upper bound on the LLM call, ms (the integration's `timeoutMs` applies if lower). */
  llmMaxTimeoutMs: number;
}

/**
 * Fills what the bot did not send, before the intake transaction (pure functions of the request
 * plus the tenant's `llm` integration):
 *  - summary: the tenant's enabled `llm` integration (OpenAI-compatible chat completions) →
 *    `llm`; on its error/timeout, or without one, the offline extractive summarizer → `library`;
 *    empty transcript → `none`;
 *  - sentiment: the bot's `sentimentScore` → `bot`; else the AFINN library score of the customer's
 *    recent utterances → `library`; customer said nothing → `none`.
 */
@Injectable()
export class EnrichmentService {
  constructor(
    private readonly integrations: IntegrationStore,
    private readonly library: LibrarySummarizer,
    private readonly chat: OpenAiChatRepository,
    private readonly sentiment: SentimentAnalyzer,
    @Inject(ENRICHMENT_OPTIONS) private readonly opts: EnrichmentOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Summary and sentiment for a request, computed in parallel (see the class comment for the sources).
   * Never throws for provider trouble: an LLM error or timeout falls back to the library summary.
   * @returns summary text/source and sentiment score/source
   */
  async enrich(tenantId: string, req: HandoffRequest): Promise<Enrichment> {
    const [summary, sentiment] = await Promise.all([this.summarize(tenantId, req), this.scoreSentiment(req)]);
    return { ...summary, ...sentiment };
  }

  private async summarize(
    tenantId: string,
    req: HandoffRequest,
  ): Promise<Pick<Enrichment, 'summary' | 'summarySource'>> {
    if (!req.transcript.some((t) => t.text.trim())) return { summary: null, summarySource: 'none' };
    const input = { transcript: req.transcript, intent: req.intent, escalationReason: req.escalationReason };
    const row = await this.integrations.loadFirstEnabled(tenantId, 'llm').catch((e: unknown) => {
      this.logger.warn({ err: (e as Error).message }, 'llm integration unreadable; offline summarizer');
      return null;
    });
    if (row) {
      const { config, secrets } = row;
      try {
        const llm = new LlmSummarizer(this.chat, {
          baseUrl: config.baseUrl,
          model: config.model,
          apiKey: secrets.apiKey,
          timeoutMs: Math.min(config.timeoutMs, this.opts.llmMaxTimeoutMs),
        });
        const summary = await llm.summarize(input);
        if (summary) return { summary, summarySource: 'llm' };
      } catch (e) {
        this.logger.warn(
          { integrationId: row.id, err: (e as Error).message },
          'LLM summary failed; falling back to the offline summarizer',
        );
      }
    }
    const summary = await this.library.summarize(input);
    return summary ? { summary, summarySource: 'library' } : { summary: null, summarySource: 'none' };
  }

  private async scoreSentiment(
    req: HandoffRequest,
  ): Promise<Pick<Enrichment, 'sentiment' | 'sentimentSource'>> {
    if (req.sentimentScore !== undefined) return { sentiment: req.sentimentScore, sentimentSource: 'bot' };
    const s = this.sentiment.score(req.transcript);
    return s === null
      ? { sentiment: null, sentimentSource: 'none' }
      : { sentiment: s, sentimentSource: 'library' };
  }
}
