import { Injectable } from '@nestjs/common';
import { LlmRepository } from '../../llm/llm.repository';
import { KnowledgeRepository, type KnowledgeBaseView } from '../knowledge.repository';

/** Input of {@link CreateKnowledgeBaseUseCase}. */
export interface CreateKnowledgeBaseCommand {
  tenantId: string;
  name: string;
  description: string | null;
  /** The tenant's `llm` integration whose `embeddingModel` embeds the chunks (dense retrieval). */
  embeddingIntegrationId: string | null;
}

/** The embedding integration is not the tenant's enabled `llm` integration with an `embeddingModel`. */
export class InvalidEmbeddingIntegrationError extends Error {}

/**
 * Creates a knowledge base. With `embeddingIntegrationId` its chunks get dense vectors at upload
 * and retrieval becomes hybrid; the integration's current `embeddingModel` is recorded on the KB
 * (vectors of different models are never mixed, see docs/assist.md).
 * @throws InvalidEmbeddingIntegrationError, DuplicateNameError
 */
@Injectable()
export class CreateKnowledgeBaseUseCase {
  constructor(
    private readonly repo: KnowledgeRepository,
    private readonly llm: LlmRepository,
  ) {}

  async execute(cmd: CreateKnowledgeBaseCommand): Promise<KnowledgeBaseView> {
    let embedding: { integrationId: string; model: string } | undefined;
    if (cmd.embeddingIntegrationId) {
      const integration = await this.llm
        .findIntegration(cmd.tenantId, cmd.embeddingIntegrationId)
        .catch(() => null);
      if (!integration?.config.embeddingModel)
        throw new InvalidEmbeddingIntegrationError(
          `embeddingIntegrationId: no enabled llm integration ${cmd.embeddingIntegrationId} with an embeddingModel`,
        );
      embedding = { integrationId: integration.id, model: integration.config.embeddingModel };
    }
    return this.repo.create(cmd.tenantId, cmd.name, cmd.description, embedding);
  }
}
