/**
 * The clock of scheduled customer callbacks: "now" for slot proposals (minimum notice), bookings (past / notice
 * checks, the confirmation's due time), the durable timer's scan for due notifications (reminders, slot-time work
 * items) and the handoff report's "already due" cut-off. In production it is the system clock. Tests that must
 * reach a slot time without waiting real hours start the service with `HUB_TEST_CLOCK_ADJUSTABLE=true` (refused
 * with `NODE_ENV=production`) and move it forward with {@link CallbackClock.advance}
 * (apps/handoff-orchestrator/test/escalation-paths.e2e-spec.ts; docs/callbacks.md → Tests).
 *
 * Only "now" moves: stored times (`starts_at`, `due_at`, `sent_at`) stay real instants, and the database's own
 * bookkeeping (`sent_at`, retry back-off) keeps the database clock.
 */
export class CallbackClock {
  private offsetMs = 0;

  /** @param adjustable whether {@link advance} is allowed (HUB_TEST_CLOCK_ADJUSTABLE; never in production) */
  constructor(private readonly adjustable = false) {}

  /** The current instant: the system clock plus the tests' offset (0 unless adjusted). */
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /**
   * Moves this clock forward by `ms` milliseconds (tests only).
   * @throws Error when the clock is not adjustable (HUB_TEST_CLOCK_ADJUSTABLE unset) or `ms` is negative
   */
  advance(ms: number): void {
    if (!this.adjustable) throw new Error('the callback clock is not adjustable (HUB_TEST_CLOCK_ADJUSTABLE)');
    if (!(ms >= 0)) throw new Error('the callback clock only moves forward');
    this.offsetMs += ms;
  }
}
