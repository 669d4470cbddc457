import { Inject, Injectable } from '@nestjs/common';
import { Outbox, type HandoffModel as Handoff } from '@hub/persistence';
import type { HandoffFailureReason, HandoffStatus } from '@hub/contracts';
import { outcomeEvent, type Cause } from './handoff-events';
import type { SideEffects } from './handoff.repository';

/** Injection token of {@link AnnouncerOptions}. */
export const ANNOUNCER_OPTIONS = Symbol('ANNOUNCER_OPTIONS');
export interface AnnouncerOptions {
  /** Also POST requested/routed/offered to the callback URL (final outcomes always are). */
  callbackIntermediate: boolean;
}

/**
 * Builds the side effects that announce a handoff status: the outcome event on
 * `hub.handoff.outcomes.v1` (through the outbox) and, for final outcomes (or every outcome when
 * configured), a durable callback delivery to the request's `callbackUrl` carrying the same envelope.
 */
@Injectable()
export class OutcomeAnnouncer {
  constructor(@Inject(ANNOUNCER_OPTIONS) private readonly opts: AnnouncerOptions) {}

  /**
   * @param h       the handoff after the change (the event carries its current fields)
   * @param status  the announced status
   * @param cause   causation id and trace context of what caused the change
   * @param failure reason and detail of a `failed` outcome
   * @param extra   outbox messages to write before the outcome event (e.g. a router command)
   * @returns the outbox rows and the callback delivery (null unless final, or intermediate ones are on)
   */
  announce(
    h: Handoff,
    status: HandoffStatus,
    cause: Cause,
    failure?: { reason: HandoffFailureReason; detail?: string | null },
    extra: SideEffects['outbox'] = [],
  ): SideEffects {
    const event = outcomeEvent(h, status, cause, failure);
    const final = status === 'accepted' || status === 'failed';
    const callback =
      h.callbackUrl && (final || this.opts.callbackIntermediate)
        ? { url: h.callbackUrl, eventId: event.id, payload: event }
        : null;
    return { outbox: [...extra, Outbox.kafka('handoffOutcomes', event)], callback };
  }
}
