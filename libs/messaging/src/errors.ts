import { ContractViolationError } from '@hub/contracts';

/**
 * A handler error that retrying cannot fix (bad data, unknown reference, broken invariant):
 * the message goes straight to the dead-letter topic. Any other error is treated as transient
 * and retried with backoff.
 */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly reason = 'permanent_error' as string,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** True for errors that must not be retried ({@link PermanentError}, contract violations). */
export function isPermanent(e: unknown): e is { reason: string; message: string } {
  return e instanceof PermanentError || e instanceof ContractViolationError;
}

export { ContractViolationError, formatIssues } from '@hub/contracts';
