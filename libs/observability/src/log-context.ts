import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields carried by every log line written inside {@link withLogContext}. */
export interface LogContext {
  tenantId?: string;
  correlationId?: string;
  eventId?: string;
  traceparent?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with the given fields merged into the current log context (tenant, correlation ids). */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...ctx }, fn);
}

/** The current log context, or an empty object. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
