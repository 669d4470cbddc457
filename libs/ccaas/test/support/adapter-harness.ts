import { randomUUID } from 'node:crypto';
import {
  OutboundHttp,
  OutboundUrlPolicy,
  parseIntegration,
  type IntegrationConfig,
  type IntegrationSecrets,
  type IntegrationType,
} from '@hub/integrations';
import type { HandoffContext, TargetIntegration } from '../../src/core/target';

/**
 * The set-up every vendor adapter spec shared (libs/ccaas/test/*.spec.ts): the outbound policy for local fakes,
 * an integration parsed by its type's schemas, and a handoff context with overridable fields.
 */

/** Local fakes listen on 127.0.0.1 over http: the test policy allows both (production refuses them). */
export const testPolicy = new OutboundUrlPolicy({
  allowHttp: true,
  allowPrivateNetworks: true,
  allowedHostSuffixes: [],
});
export const testHttp = new OutboundHttp(testPolicy);

/** An integration of `type` with config/secrets parsed (defaults applied) by the type's schemas; fresh ids. */
export function testIntegration<T extends IntegrationType>(
  type: T,
  config: Record<string, unknown>,
  secrets: Record<string, unknown>,
  tenantId: string = randomUUID(),
): TargetIntegration<IntegrationConfig<T>, IntegrationSecrets<T>> {
  const p = parseIntegration(type, config, secrets);
  return { id: randomUUID(), tenantId, config: p.config, secrets: p.secrets };
}

/** A handoff context for `integration` (fresh handoff/conversation ids, a short transcript) with `over` applied. */
export function testContext(
  integration: Pick<TargetIntegration, 'id' | 'tenantId'>,
  over: Partial<HandoffContext> = {},
): HandoffContext {
  return {
    tenantId: integration.tenantId,
    handoffId: randomUUID(),
    integrationId: integration.id,
    conversationId: randomUUID(),
    botSessionId: randomUUID(),
    channel: 'web',
    customer: {},
    transcript: [
      { role: 'customer', text: 'my invoice is wrong', at: '2026-01-01T10:00:00.000Z' },
      { role: 'bot', text: 'let me get a human', at: '2026-01-01T10:00:01.000Z' },
    ],
    attributes: {},
    priority: 50,
    ...over,
  };
}
