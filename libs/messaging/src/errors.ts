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

/** Node.js socket errno codes of an unreachable or vanished dependency. */
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ESOCKETTIMEDOUT',
]);
/** PostgreSQL SQLSTATEs that say "the server cannot do it now" (not "this can never succeed"). */
const PG_TRANSIENT = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up / shutting down)
  '57014', // query_canceled (statement_timeout)
  '25006', // read_only_sql_transaction (read-only primary, failover)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '55006', // object_in_use
  '25P03', // idle_in_transaction_session_timeout
]);
/** Prisma client codes for an unreachable database, a pool timeout or a dropped connection. */
const PRISMA_TRANSIENT = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2034']);
const MESSAGE_PATTERNS =
  /connection terminated|connection (is )?(closed|ended|refused|reset|lost)|server closed the connection|terminating connection|timeout exceeded when trying to connect|query read timeout|connection timeout|Command timed out|Request timed out|read-only transaction|the database system is (starting up|shutting down|in recovery)|Can't reach database|Client has encountered a connection error|Connection is closed|MaxRetriesPerRequestError|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT/i;
/** kafkajs error classes that mean the broker is unreachable or busy, not that the request is wrong. */
const KAFKA_TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSRebalanceInProgress',
]);

/**
 * True for infrastructure errors that go away once a dependency is back: lost/refused connections
 * (Node errno codes), PostgreSQL `08*` (connection exception), `53*` (insufficient resources), `57P0x`
 * (shutdown), `57014` (statement timeout), `25006` (read-only transaction), serialization/deadlock,
 * Prisma P1001/P1002/P1008/P1017/P2024/P2034, retriable kafkajs errors, Redis connection errors and
 * timeouts. Walks `cause` chains (drivers wrap errors). {@link PermanentError} is never transient.
 * The consumer runner retries these until they succeed (never dead-letters them).
 */
export function isTransientError(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 5) return false;
  if (isPermanent(e)) return false;
  const err = e as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    retriable?: unknown;
    cause?: unknown;
    originalCode?: unknown;
    errors?: unknown;
  };
  const codes = [err.code, err.originalCode].filter((c): c is string => typeof c === 'string');
  for (const code of codes) {
    if (NET_CODES.has(code) || PG_TRANSIENT.has(code) || PRISMA_TRANSIENT.has(code)) return true;
    if (/^(08|53)[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof err.name === 'string' && KAFKA_TRANSIENT_NAMES.has(err.name)) return true;
  if (typeof err.name === 'string' && err.name.startsWith('KafkaJS') && err.retriable === true) return true;
  if (typeof err.message === 'string' && MESSAGE_PATTERNS.test(err.message)) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => isTransientError(x, depth + 1))) return true;
  return err.cause !== undefined && err.cause !== e && isTransientError(err.cause, depth + 1);
}
