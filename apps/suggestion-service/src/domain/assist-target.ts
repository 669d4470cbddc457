/** Where suggestions for an interaction come from. */
export interface AssistTarget {
  knowledgeBaseId: string;
  systemPrompt: string | null;
  llmIntegrationId: string | null;
  /** `mapping` when the interaction's queue matched a mapping, else `default`. */
  via: 'mapping' | 'default';
  queue: string | null;
}

/**
 * Resolves the knowledge base, system prompt and LLM integration for an interaction (seed 001):
 * the queue's mapping when one matches (its LLM integration overrides the tenant default; its empty
 * prompt falls back to the tenant's), otherwise the tenant defaults; null when neither names a KB.
 */
export function resolveAssistTarget(
  queue: string | null,
  mapping: { knowledgeBaseId: string; systemPrompt: string | null; llmIntegrationId: string | null } | null,
  defaults: {
    defaultKnowledgeBaseId: string | null;
    defaultSystemPrompt: string | null;
    llmIntegrationId: string | null;
  },
): AssistTarget | null {
  if (mapping) {
    return {
      knowledgeBaseId: mapping.knowledgeBaseId,
      systemPrompt: mapping.systemPrompt?.trim() ? mapping.systemPrompt : defaults.defaultSystemPrompt,
      llmIntegrationId: mapping.llmIntegrationId ?? defaults.llmIntegrationId,
      via: 'mapping',
      queue,
    };
  }
  if (!defaults.defaultKnowledgeBaseId) return null;
  return {
    knowledgeBaseId: defaults.defaultKnowledgeBaseId,
    systemPrompt: defaults.defaultSystemPrompt,
    llmIntegrationId: defaults.llmIntegrationId,
    via: 'default',
    queue,
  };
}
