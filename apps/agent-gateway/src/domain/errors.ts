/**
 * The work item (or file) does not exist for this agent: another tenant's, not offered/assigned to
 * the caller, or unknown. One error for all cases so nothing leaks across tenants (REST 404,
 * socket ack `not_found`).
 */
export class NotVisibleError extends Error {
  readonly code = 'not_found';
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotVisibleError';
  }
}

/** The work item exists for the agent but is in the wrong state for the action (REST 409, ack `conflict`). */
export class WrongStateError extends Error {
  readonly code = 'conflict';
  constructor(message: string) {
    super(message);
    this.name = 'WrongStateError';
  }
}

/** The Agent Assist panel is not configured on this gateway (ASSIST_GATEWAY_URL unset): REST 503. */
export class AssistUnavailableError extends Error {
  readonly code = 'assist_unavailable';
  constructor() {
    super('Agent Assist is not configured on this gateway (ASSIST_GATEWAY_URL, ASSIST_EMBED_TOKEN_SECRET)');
    this.name = 'AssistUnavailableError';
  }
}
