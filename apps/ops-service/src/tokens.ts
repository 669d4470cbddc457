/** Injection token of the in-memory {@link EventStore}. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** Injection token of the typed ops-service config. */
export const OPS_CONFIG = Symbol('OPS_CONFIG');
