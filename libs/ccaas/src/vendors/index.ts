import type { EscalationTargetAdapter } from '../core/target';

/** Every external platform adapter, by integration type. A new vendor adds its folder and one line here. */
export const escalationTargets: readonly EscalationTargetAdapter<never, never>[] = [];
