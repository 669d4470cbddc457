/** Router `QueueView`. */
export interface Queue {
  id: string;
  name: string;
  active: boolean;
  isDefault: boolean;
  offerTimeoutSeconds: number;
  priorityHandling: 'priority' | 'fifo';
}

/** Router `AgentView`: presence, capacity and current load per work-item type. */
export interface Agent {
  id: string;
  displayName: string;
  presence: string;
  presenceChangedAt: string;
  autoAccept: boolean;
  capacity: { chat: number; call: number };
  load: { chat: number; call: number };
  missedOffers: number;
  queueIds: string[];
}

export interface WeeklyInterval {
  day: number;
  start: string;
  end: string;
}
