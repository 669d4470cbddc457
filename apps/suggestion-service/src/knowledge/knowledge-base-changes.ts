import { Injectable } from '@nestjs/common';

/** Called with the tenant and id of a knowledge base whose content or existence changed (after the commit). */
export type KnowledgeBaseChangeListener = (tenantId: string, knowledgeBaseId: string) => void;

/**
 * In-process notice that a knowledge base changed (upload, document deleted, KB deleted), sent by
 * {@link KnowledgeRepository} after the change committed. Retrieval caches per KB revision and trusts a
 * revision it read for a short while (`REVISION_CHECK_MS`); this lets a change made through this process be
 * seen by its very next retrieval. Other replicas notice the new revision on their next check.
 */
@Injectable()
export class KnowledgeBaseChanges {
  private readonly listeners = new Set<KnowledgeBaseChangeListener>();

  /** Registers a listener. @returns a function that removes it */
  onChange(listener: KnowledgeBaseChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener (synchronously; a throwing listener does not stop the others). */
  changed(tenantId: string, knowledgeBaseId: string): void {
    for (const l of this.listeners) {
      try {
        l(tenantId, knowledgeBaseId);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }
}
