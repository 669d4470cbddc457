import type { EscalationTargetRegistration, TargetDeps } from '../core/target';
import { AMAZON_CONNECT, AmazonConnectAdapter } from './amazon-connect/adapter';
import { AmazonConnectContactEventsReceiver } from './amazon-connect/contact-events.receiver';
import { EightByEightCcTarget, EightByEightCcWebhookReceiver } from './eightbyeight-cc';
import { GenesysCloudTarget, GenesysCloudWebhookReceiver } from './genesys-cloud';

export * from './genesys-cloud';
export * from './eightbyeight-cc';
export * from './vendor-http';

/**
 * Every external platform, by integration type. A new vendor adds its folder and one entry here:
 * `{ type, createAdapter, createWebhookReceiver? }` (factories, since adapters need `OutboundHttp`).
 */
export const escalationTargets: readonly EscalationTargetRegistration[] = [
  {
    type: AMAZON_CONNECT,
    createAdapter: (deps) => new AmazonConnectAdapter(deps.http) as never,
    // Voice progress: Connect contact events via EventBridge → API destination (chat uses the websocket).
    createWebhookReceiver: () => new AmazonConnectContactEventsReceiver() as never,
  },
  {
    type: 'genesys_cloud',
    createAdapter: (deps) => new GenesysCloudTarget({ http: deps.http }) as never,
    createWebhookReceiver: () => new GenesysCloudWebhookReceiver() as never,
  },
  {
    type: 'eightbyeight_cc',
    createAdapter: (deps) => eightByEightTarget(deps) as never,
    // The receiver journals 8x8's conversation reports and closes duplicates (reconciliation of lost answers).
    createWebhookReceiver: (deps) =>
      new EightByEightCcWebhookReceiver({
        http: deps.http,
        journal: deps.journal,
        target: eightByEightTarget(deps),
      }) as never,
  },
];

function eightByEightTarget(deps: TargetDeps): EightByEightCcTarget {
  return new EightByEightCcTarget({
    http: deps.http,
    journal: deps.journal,
    count: (outcome) => deps.reconciliation?.({ type: 'eightbyeight_cc', outcome }),
  });
}

/** The registration of an integration type, or undefined (`internal` and non-CCaaS types). */
export function escalationTargetOf(type: string): EscalationTargetRegistration | undefined {
  return escalationTargets.find((t) => t.type === type);
}
