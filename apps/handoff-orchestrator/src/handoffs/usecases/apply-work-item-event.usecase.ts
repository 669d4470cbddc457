import { Injectable } from '@nestjs/common';
import type { HandoffFailureReason, TopicEvent } from '@hub/contracts';
import type { HandoffModel as Handoff } from '@hub/persistence';
import {
  decideTransition,
  mayChangeHandoff,
  publicStatus,
  type HandoffState,
} from '../../domain/handoff-state-machine';
import { HandoffRepository, type HandoffColumnsSet } from '../handoff.repository';
import { OutcomeAnnouncer } from '../outcome-announcer';
import { CallbackDispatcher } from '../../callbacks/callback-dispatcher.service';
import { HandoffMetrics } from '../../metrics/handoff-metrics';

/**
 * Follows the work-item router's events (`hub.workitem.events.v1`) for handoffs of the event's tenant:
 * `decideTransition` picks the change; the change, its audit row, the outcome event and the callback
 * delivery commit together, with the event id claimed in the inbox. Events of unknown work items
 * (not from a handoff, or of another tenant) and events that change nothing are ignored.
 * @returns the handoff after the change, or null when nothing changed
 */
@Injectable()
export class ApplyWorkItemEventUseCase {
  constructor(
    private readonly handoffs: HandoffRepository,
    private readonly announcer: OutcomeAnnouncer,
    private readonly callbacks: CallbackDispatcher,
    private readonly metrics: HandoffMetrics,
  ) {}

  async execute(event: TopicEvent<'workItemEvents'>): Promise<Handoff | null> {
    const data = event.data;
    // created / transferred / completed / presence never change a handoff: no transaction, no inbox row.
    if (data.event === 'agent_presence_changed' || !mayChangeHandoff(data)) return null;
    const cause = { causationId: event.id, traceparent: event.traceparent, tracestate: event.tracestate };
    const at = new Date(event.occurredAt);
    const updated = await this.handoffs.changeByWorkItem(event.tenantId, data.workItemId, event.id, (h) => {
      const d = decideTransition(h.status as HandoffState, data);
      if (!d) return null;
      const set: HandoffColumnsSet = {};
      if (d.queueId) set.queueId = d.queueId;
      if (d.agentId) set.agentId = d.agentId;
      if (d.to === 'routed') set.routedAt = h.routedAt ?? at;
      if (d.to === 'offered') set.offeredAt = h.offeredAt ?? at;
      if (d.to === 'accepted') set.acceptedAt = at;
      if (d.to === 'failed') set.failedAt = at;
      return {
        change: { from: d.from, to: d.to, reason: d.reason ?? null, detail: d.detail ?? null, set },
        effects: (u) => {
          const status = publicStatus(d.to);
          if (!status) return { outbox: [] };
          return this.announcer.announce(
            u,
            status,
            cause,
            d.reason ? { reason: d.reason as HandoffFailureReason, detail: d.detail } : undefined,
          );
        },
      };
    });
    if (updated && publicStatus(updated.status as HandoffState)) {
      this.metrics.outcomes.inc({
        status: updated.status,
        reason: updated.status === 'failed' ? (updated.reason ?? 'none') : 'none',
      });
    }
    if (updated?.callbackUrl) this.callbacks.kick();
    return updated;
  }
}
