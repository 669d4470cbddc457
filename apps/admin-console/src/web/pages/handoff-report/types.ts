/** A rate of the report: value = numerator / denominator (null when the denominator is 0). */
export interface Rate {
  value: number | null;
  numerator: number;
  denominator: number;
  denominatorLabel: string;
}

interface Figures {
  liveHandoffs: number;
  accepted: number;
  timeToPickupP50Seconds: number | null;
  timeToPickupP90Seconds: number | null;
  abandonedBeforePickup: Rate;
  due: number;
  completed: number;
  fulfilment: Rate;
}

/** `GET /v1/reports/handoffs` (orchestrator, docs/handoffs.md "Handoff report"). */
export interface HandoffReport extends Figures {
  from: string;
  to: string;
  groupBy: GroupBy | null;
  handoffs: number;
  byPath: { form: number; live_agent: number; callback: number };
  handoffRate: Rate;
  paths: { escalatingDecisions: number; offered: Record<string, Rate>; picked: Record<string, Rate> };
  knowledgeGaps: { intent: string; conversations: number; handedOff: number; handoffRate: Rate }[];
  groups: (Figures & { key: string; handoffs: number; share: Rate; handoffRate?: Rate })[];
}

export const GROUP_BY = ['reason', 'queue', 'path', 'intent', 'day'] as const;
export type GroupBy = (typeof GROUP_BY)[number];
