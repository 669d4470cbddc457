import { Injectable } from '@nestjs/common';
import type { HandoffFailureReason, TopicEvent } from '@hub/contracts';
import type { HandoffModel as Handoff } from '@hub/persistence';
import {
  decideTransition,
  mayChangeHandoff,
  mustRevokeAssignment,
  publicStatus,
  type HandoffState,
} from '../../domain/handoff-state-machine';
import { workItemCommand } from '../handoff-events';
import { HandoffRepository, type HandoffColumnsSet } from '../handoff.repository';
import { OutcomeAnnouncer } from '../outcome-announcer';
import { BotWebhookDispatcher } from '../../bot-webhooks/bot-webhook-dispatcher.service';
import { HandoffMetrics } from '../../metrics/handoff-metrics';

/**
 * Follows the work-item router's events (`hub.workitem.events.v1`) for handoffs of the event's tenant:
 * `decideTransition` picks the change; the change, its audit row, the outcome event and the callback
 * delivery commit together, with the event id claimed in the inbox. Events of unknown work items
 * (not from a handoff, or of another tenant) and events that change nothing are ignored — also the
 * router's late answers to a withdraw whose grace ran out (the handoff is already `failed`). One
 * exception: a late `assigned` for a failed handoff (the bot was told it failed) is taken back with a
 * `withdraw` (`revokeAssignment`) command; the handoff stays failed, the audit trail records it.
 */
@Injectable()
export class ApplyWorkItemEventUseCase {
  constructor(
    private readonly handoffs: HandoffRepository,
    private readonly announcer: OutcomeAnnouncer,
    private readonly callbacks: BotWebhookDispatcher,
    private readonly metrics: HandoffMetrics,
  ) {}

  /**
   * @returns the handoff after the change, or null when nothing changed
   * @throws database errors (the consumer retries; the inbox claim rolls back with the change)
   */
  async execute(event: TopicEvent<'workItemEvents'>): Promise<Handoff | null> {
    const data = event.data;
    // created / transferred / completed / presence never change a handoff: no transaction, no inbox row.
    if (data.event === 'agent_presence_changed' || !mayChangeHandoff(data)) return null;
    const cause = { causationId: event.id, traceparent: event.traceparent, tracestate: event.tracestate };
    const at = new Date(event.occurredAt);
    let announced = false;
    const updated = await this.handoffs.changeByWorkItem(event.tenantId, data.workItemId, event.id, (h) => {
      if (data.event === 'assigned' && mustRevokeAssignment(h.status as HandoffState, data)) {
        const reason = h.reason === 'timeout' ? 'timeout' : 'withdrawn';
        return {
          change: {
            from: 'failed',
            to: 'failed',
            note: `late assignment to agent ${data.agentId} revoked: the handoff had already failed (${h.reason})`,
          },
          effects: () => ({
            outbox: [
              workItemCommand(
                h.tenantId,
                h.conversationId,
                { command: 'withdraw', workItemId: h.workItemId, reason, revokeAssignment: true },
                cause,
              ),
            ],
          }),
        };
      }
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
          announced = true;
          return this.announcer.announce(
            u,
            status,
            cause,
            d.reason ? { reason: d.reason as HandoffFailureReason, detail: d.detail } : undefined,
          );
        },
      };
    });
    if (updated && announced) {
      this.metrics.outcomes.inc({
        status: updated.status,
        reason: updated.status === 'failed' ? (updated.reason ?? 'none') : 'none',
      });
    }
    if (announced && updated?.callbackUrl) this.callbacks.kick();
    return updated;
  }
}
