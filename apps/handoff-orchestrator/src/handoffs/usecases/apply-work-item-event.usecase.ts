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
import {
  HandoffRepository,
  type HandoffColumnsSet,
  type SideEffects,
  type StateChange,
} from '../handoff.repository';
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
    const [updated] = await this.executeBatch([event]);
    return updated;
  }

  /**
   * Several events (a partition batch, in order) in one transaction per run of one tenant
   * ({@link HandoffRepository.changeManyByWorkItem}): the same changes, audit rows, outcomes and callbacks
   * as {@link execute} for each event in order — `queued` and `offered` of one router transaction become
   * one orchestrator transaction.
   * @returns per event (same order) the handoff after its change, or null
   * @throws database errors (nothing of the batch is committed; the consumer retries or goes one by one)
   */
  async executeBatch(events: TopicEvent<'workItemEvents'>[]): Promise<(Handoff | null)[]> {
    const results: (Handoff | null)[] = events.map(() => null);
    // created / transferred / completed / presence never change a handoff: no transaction, no inbox row.
    const relevant = events
      .map((event, index) => ({ event, index }))
      .filter(({ event }) => event.data.event !== 'agent_presence_changed' && mayChangeHandoff(event.data));
    for (let i = 0; i < relevant.length;) {
      const tenantId = relevant[i].event.tenantId;
      let j = i + 1;
      while (j < relevant.length && relevant[j].event.tenantId === tenantId) j++;
      const run = relevant.slice(i, j).map(({ event, index }) => ({ event, index, ...this.decider(event) }));
      const updated = await this.handoffs.changeManyByWorkItem(
        tenantId,
        run.map((r) => ({
          workItemId: (r.event.data as { workItemId: string }).workItemId,
          eventId: r.event.id,
          decide: r.decide,
        })),
      );
      run.forEach((r, k) => {
        this.after(updated[k], r.state.announced);
        results[r.index] = updated[k];
      });
      i = j;
    }
    return results;
  }

  /** Metrics and the callback dispatcher's kick after a committed change. */
  private after(updated: Handoff | null, announced: boolean): void {
    if (updated && announced) {
      this.metrics.outcomes.inc({
        status: updated.status,
        reason: updated.status === 'failed' ? (updated.reason ?? 'none') : 'none',
      });
    }
    if (announced && updated?.callbackUrl) this.callbacks.kick();
  }

  /** The decision of one event on a locked handoff; `state.announced` is set when it announces an outcome. */
  private decider(event: TopicEvent<'workItemEvents'>) {
    const data = event.data as Exclude<
      TopicEvent<'workItemEvents'>['data'],
      { event: 'agent_presence_changed' }
    >;
    const cause = { causationId: event.id, traceparent: event.traceparent, tracestate: event.tracestate };
    const at = new Date(event.occurredAt);
    const state = { announced: false };
    const decide = (h: Handoff): { change: StateChange; effects: (u: Handoff) => SideEffects } | null => {
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
          state.announced = true;
          return this.announcer.announce(
            u,
            status,
            cause,
            d.reason ? { reason: d.reason as HandoffFailureReason, detail: d.detail } : undefined,
          );
        },
      };
    };
    return { decide, state };
  }
}
