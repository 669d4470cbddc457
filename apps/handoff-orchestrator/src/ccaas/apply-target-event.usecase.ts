import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { contactLegs, type TargetEvent, type TargetEventSink } from '@hub/ccaas';
import type { HandoffFailureReason } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import type { HandoffModel as Handoff, OutboxMessage } from '@hub/persistence';
import type { HandoffState } from '../domain/handoff-state-machine';
import { BotWebhookDispatcher } from '../bot-webhooks/bot-webhook-dispatcher.service';
import { HandoffRepository, type HandoffColumnsSet, type SideEffects } from '../handoffs/handoff.repository';
import { OutcomeAnnouncer } from '../handoffs/outcome-announcer';
import { HandoffMetrics } from '../metrics/handoff-metrics';
import { CcaasContactRepository, type StoredContact } from './ccaas-contact.repository';
import { CcaasTargets } from './ccaas-targets';
import { ccaasCommand, outboundConversationMessage } from './ccaas-events';
import { decideTargetEvent } from './target-event-decision';

/** Inbox consumer name of contact-center events (dedupe per integration + vendor event id). */
export const CCAAS_INBOX_CONSUMER = 'handoff-orchestrator-ccaas';

/**
 * The orchestrator's {@link TargetEventSink}: every vendor receiver (webhook route, Connect websocket)
 * reports normalized events here. For the handoff owning the contact (looked up in the event's tenant —
 * another tenant's contact is invisible), {@link decideTargetEvent} picks the change; the change, its
 * audit row, the outcome event, the callback delivery, the relayed chat line (outbox →
 * `hub.conversation.messages.v1`), the `save_summary` command when the agent's side of an accepted contact
 * ended on a platform with wrap-up notes, and the inbox claim of `integrationId:eventId` commit in ONE
 * transaction, so a vendor retry or a duplicate delivery changes nothing.
 */
@Injectable()
export class ApplyTargetEventUseCase implements TargetEventSink {
  constructor(
    private readonly handoffs: HandoffRepository,
    private readonly contacts: CcaasContactRepository,
    private readonly announcer: OutcomeAnnouncer,
    private readonly callbacks: BotWebhookDispatcher,
    private readonly metrics: HandoffMetrics,
    private readonly targets: CcaasTargets,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * @throws database errors (the caller — webhook route or stream — lets the vendor retry / reconnects)
   */
  async report(e: {
    tenantId: string;
    integrationId: string;
    externalContactId: string;
    eventId: string;
    event: TargetEvent;
  }): Promise<void> {
    const stored = await this.contacts.byExternalId(e.tenantId, e.integrationId, e.externalContactId);
    if (!stored) {
      this.logger.warn(
        { integrationId: e.integrationId, kind: e.event.kind },
        'contact-center event for an unknown contact; ignored',
      );
      return;
    }
    if (!(await this.followLegs(e.tenantId, stored, e.eventId, e.event))) return;
    await this.apply(e.tenantId, stored.handoffId, `${e.integrationId}:${e.eventId}`, e.event);
  }

  /**
   * Applies one event to a handoff by id (also used by the bridge for its own events: `start:<id>`).
   * @returns the handoff after it, or null (unknown handoff / duplicate event)
   */
  async apply(
    tenantId: string,
    handoffId: string,
    eventId: string,
    event: TargetEvent,
  ): Promise<Handoff | null> {
    const cause = { causationId: eventId };
    let announced: string | undefined;
    let contactOver = false;
    const r = await this.handoffs.changeByIdOnEvent(
      tenantId,
      handoffId,
      CCAAS_INBOX_CONSUMER,
      eventId,
      (h) => {
        const d = decideTargetEvent(h.status as HandoffState, event);
        if (!d) return null;
        contactOver = !!d.contactOver;
        const extra: OutboxMessage[] = [];
        if (d.relay) {
          extra.push(
            outboundConversationMessage(
              h.tenantId,
              {
                conversationId: h.conversationId,
                messageId: eventId.slice(0, 200),
                sender: {
                  role: 'agent',
                  ...((d.relay.kind === 'text' || d.relay.kind === 'file') && d.relay.agent?.id
                    ? { id: d.relay.agent.id.slice(0, 200) }
                    : {}),
                  ...((d.relay.kind === 'text' || d.relay.kind === 'file') && d.relay.agent?.name
                    ? { name: d.relay.agent.name.slice(0, 200) }
                    : {}),
                },
                kind: d.relay.kind,
                ...(d.relay.kind === 'text' ? { text: d.relay.text.slice(0, 20_000) } : {}),
                ...(d.relay.kind === 'typing' ? { typing: true } : {}),
                ...(d.relay.kind === 'file'
                  ? {
                      file: {
                        fileId: d.relay.file.id.slice(0, 500),
                        name: d.relay.file.name.slice(0, 255) || 'attachment',
                        contentType: d.relay.file.contentType.slice(0, 200) || 'application/octet-stream',
                        sizeBytes: Math.max(0, Math.trunc(d.relay.file.sizeBytes)),
                        url: d.relay.file.url,
                      },
                    }
                  : {}),
                sentAt: event.at,
              },
              cause,
            ),
          );
        }
        if (d.endContact) {
          extra.push(
            ccaasCommand(
              h.tenantId,
              h.conversationId,
              {
                command: 'end',
                handoffId: h.id,
                integrationId: h.integrationId,
                target: h.target,
                reason: 'withdrawn',
              },
              cause,
            ),
          );
        }
        if (d.relay?.kind === 'ended' && h.summary && this.canSaveSummary(h.target)) {
          extra.push(
            ccaasCommand(
              h.tenantId,
              h.conversationId,
              { command: 'save_summary', handoffId: h.id, integrationId: h.integrationId, target: h.target },
              cause,
            ),
          );
        }
        const effects = (u: Handoff): SideEffects => {
          if (!d.announce) return { outbox: extra };
          announced = d.announce;
          const failure =
            d.announce === 'failed' && d.change?.reason
              ? { reason: d.change.reason as HandoffFailureReason, detail: d.change.detail }
              : undefined;
          return this.announcer.announce(u, d.announce, cause, failure, extra);
        };
        if (!d.change) return { change: null, effects };
        const c = d.change;
        const set: HandoffColumnsSet = {};
        const at = new Date(event.at);
        if (c.to === 'routed') set.routedAt = h.routedAt ?? at;
        if (c.to === 'accepted' && c.from !== 'accepted') {
          set.acceptedAt = at;
          if (c.agentId) set.agentId = c.agentId;
        }
        if (c.to === 'failed' && c.from !== 'failed') set.failedAt = at;
        return {
          change: {
            from: c.from,
            to: c.to,
            ...(c.reason ? { reason: c.reason, detail: c.detail ?? null } : {}),
            ...(c.note ? { note: c.note } : {}),
            set,
          },
          effects,
        };
      },
    );
    if (!r?.claimed) return null;
    if (contactOver) await this.contacts.markEnded(tenantId, handoffId);
    if (announced) {
      this.metrics.outcomes.inc({
        status: announced,
        reason: announced === 'failed' ? (r.handoff.reason ?? 'error') : 'none',
      });
      if (r.handoff.callbackUrl) this.callbacks.kick();
    }
    return r.handoff;
  }

  /**
   * Transfer legs (platforms with a new contact per leg: Amazon Connect voice). A `transferred` event's `toLeg` is
   * appended to the legs the contact follows (`state.legs`, encrypted with the contact; `end` then stops the newest
   * leg). An `ended` / `failed` of a leg the handoff was transferred away from is no end (dropped, logged); one of a
   * leg not seen yet (its INITIATED still on the way) is followed first. A transfer reported after the contact was
   * already over (EventBridge delivered the old leg's DISCONNECTED first) is counted
   * (`hub_ccaas_reconciliations_total{outcome="transfer_after_end"}`) and logged: the handoff already ended.
   * @returns whether the event is to be applied
   */
  private async followLegs(
    tenantId: string,
    stored: StoredContact,
    eventId: string,
    event: TargetEvent,
  ): Promise<boolean> {
    const legs = contactLegs(stored.contact);
    const follow = async (leg: string) => {
      await this.contacts.updateState(tenantId, stored.handoffId, {
        ...stored.contact.state,
        legs: [...legs, leg],
      });
    };
    if (event.kind === 'transferred' && event.toLeg && !legs.includes(event.toLeg)) {
      if (stored.status === 'ended') {
        this.metrics.ccaasReconciliations.inc({ type: stored.target, outcome: 'transfer_after_end' });
        this.logger.warn(
          { handoffId: stored.handoffId, eventId, leg: event.toLeg },
          'transfer leg reported after the platform contact had ended; the handoff stays ended',
        );
        return true;
      }
      await follow(event.toLeg);
    }
    if ((event.kind === 'ended' || event.kind === 'failed') && event.leg) {
      if (legs.slice(0, -1).includes(event.leg)) {
        this.logger.info(
          { handoffId: stored.handoffId, eventId, leg: event.leg },
          'a transferred-away leg ended; the handoff follows the newer leg',
        );
        return false;
      }
      if (!legs.includes(event.leg)) await follow(event.leg);
    }
    return true;
  }

  /** Whether the target's adapter writes summaries back (wrap-up note). */
  private canSaveSummary(target: string): boolean {
    return this.targets.isExternal(target) && !!this.targets.adapter(target).saveSummary;
  }
}
