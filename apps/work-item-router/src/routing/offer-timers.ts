import { Injectable } from '@nestjs/common';

/**
 * In-process notification that an offer was committed with a given expiry (or a work item with a target
 * fallback time), so this replica's expiry scheduler can arm a precise timer. Only a hint: the durable timer is `offers.expires_at`,
 * which every replica polls.
 */
@Injectable()
export class OfferTimers {
  private listener?: (expiresAt: Date) => void;

  /** Registers the (single) listener — the expiry scheduler. */
  onOffer(listener: (expiresAt: Date) => void): void {
    this.listener = listener;
  }

  /** Called after commit for every offer created. */
  notify(expiresAt: Date): void {
    this.listener?.(expiresAt);
  }
}
