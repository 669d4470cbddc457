import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import {
  escalationTargets,
  TargetError,
  type EscalationTargetAdapter,
  type StartJournal,
  type TargetIntegration,
  type WebhookReceiver,
} from '@hub/ccaas';
import { IntegrationStore, OutboundHttp, type IntegrationType } from '@hub/integrations';
import { HandoffMetrics } from '../metrics/handoff-metrics';

/** A vendor adapter with loosened generics (the integration's config/secrets were parsed by its type's schema). */
export type AnyAdapter = EscalationTargetAdapter<Record<string, unknown>, Record<string, unknown>>;
export type AnyReceiver = WebhookReceiver<Record<string, unknown>, Record<string, unknown>>;

/**
 * The escalation targets of this service: one adapter (and webhook receiver, where the vendor calls us)
 * per registered integration type of `@hub/ccaas`, built once with the service's `OutboundHttp`, and the
 * loading of an integration as an adapter sees it (config and decrypted secrets parsed by its type).
 */
@Injectable()
export class CcaasTargets implements OnApplicationShutdown {
  private readonly adapters = new Map<string, AnyAdapter>();
  private readonly receivers = new Map<string, AnyReceiver>();

  constructor(
    http: OutboundHttp,
    private readonly store: IntegrationStore,
    @Inject(REALTIME_BUS) bus: RealtimeBus,
    metrics: HandoffMetrics,
  ) {
    const deps = {
      http,
      journal: redisJournal(bus),
      reconciliation: (e: { type: string; outcome: string }) => metrics.ccaasReconciliations.inc(e),
    };
    for (const t of escalationTargets) {
      this.adapters.set(t.type, t.createAdapter(deps) as unknown as AnyAdapter);
      if (t.createWebhookReceiver) {
        this.receivers.set(t.type, t.createWebhookReceiver(deps) as unknown as AnyReceiver);
      }
    }
  }

  /** Whether `type` is an external target (a registered vendor). */
  isExternal(type: string): boolean {
    return this.adapters.has(type);
  }

  /** @throws Error for a type with no adapter (a programming error: callers check {@link isExternal}) */
  adapter(type: string): AnyAdapter {
    const a = this.adapters.get(type);
    if (!a) throw new Error(`no escalation target adapter for integration type ${type}`);
    return a;
  }

  /** Integration types whose vendor calls our webhook. */
  webhookTypes(): string[] {
    return [...this.receivers.keys()];
  }

  /** Integration types whose adapter is polled for the agent's end (`pollEnded`: Genesys Cloud). */
  pollingTypes(): string[] {
    return [...this.adapters.entries()].filter(([, a]) => !!a.pollEnded).map(([t]) => t);
  }

  receiver(type: string): AnyReceiver | undefined {
    return this.receivers.get(type);
  }

  /**
   * The tenant's integration as a {@link TargetIntegration}, or null when missing / disabled / another type.
   * @throws TargetError `invalid` (field `integrationId`) when the stored row no longer parses
   */
  async load(
    tenantId: string,
    integrationId: string,
    type: string,
    opts: { enabledOnly?: boolean } = {},
  ): Promise<TargetIntegration<Record<string, unknown>, Record<string, unknown>> | null> {
    try {
      const i = await this.store.load(tenantId, integrationId, type as IntegrationType, opts);
      if (!i) return null;
      return {
        id: i.id,
        tenantId: i.tenantId,
        config: i.config as Record<string, unknown>,
        secrets: i.secrets as Record<string, unknown>,
      };
    } catch (e) {
      throw new TargetError(
        'invalid',
        `integration ${integrationId}: ${(e as Error).message}`,
        'integrationId',
      );
    }
  }

  onApplicationShutdown(): void {
    for (const a of this.adapters.values()) (a as { destroy?: () => void }).destroy?.();
  }
}

/** How long the vendor journal keeps an entry, s (longer than any handoff and its retries). */
export const CCAAS_JOURNAL_TTL_S = 7 * 24 * 3600;

/**
 * The vendors' {@link StartJournal} in Redis (`<namespace>ccaas:journal:<key>`, TTL {@link CCAAS_JOURNAL_TTL_S}).
 * Redis errors propagate (the command is retried by its consumer).
 */
export function redisJournal(bus: RealtimeBus): StartJournal {
  const k = (key: string) => `${bus.namespace}ccaas:journal:${key}`;
  return {
    get: (key) => bus.publisher.get(k(key)),
    put: async (key, value) => {
      await bus.publisher.set(k(key), value, 'EX', CCAAS_JOURNAL_TTL_S);
    },
  };
}
