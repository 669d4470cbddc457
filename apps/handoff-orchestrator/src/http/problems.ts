/**
 * Domain-level failures a use case reports, independent of the transport: the HTTP layer maps
 * them to status codes (`orchestratorProblem`, answered by the `protectHttp` filter); the Kafka intake records them as a failed handoff.
 */
export abstract class Problem extends Error {
  abstract readonly status: 400 | 404 | 409 | 422;
  constructor(
    message: string,
    /** Offending request field (dot path), when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: malformed input (beyond what the schema checks). */
export class BadRequestProblem extends Problem {
  readonly status = 400 as const;
}
/** 404: the referenced resource does not exist for this tenant (other tenants' rows are invisible). */
export class NotFoundProblem extends Problem {
  readonly status = 404 as const;
}
/** 409: conflicts with existing state (e.g. duplicate integration name). */
export class ConflictProblem extends Problem {
  readonly status = 409 as const;
}
/** 422: well-formed but unusable (unknown queue id, integration disabled or of the wrong type). */
export class UnprocessableProblem extends Problem {
  readonly status = 422 as const;
}
