import type { EscalationTargetAdapter } from '../core/target';
import { EightByEightCcTarget } from './eightbyeight-cc';
import { GenesysCloudTarget } from './genesys-cloud';

export * from './genesys-cloud';
export * from './eightbyeight-cc';
export * from './vendor-http';

/** Every external platform adapter, by integration type. A new vendor adds its folder and one line here. */
export const escalationTargets: readonly EscalationTargetAdapter<never, never>[] = [
  new GenesysCloudTarget() as unknown as EscalationTargetAdapter<never, never>,
  new EightByEightCcTarget() as unknown as EscalationTargetAdapter<never, never>,
];
