import { Catch, HttpException, type ArgumentsHost, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';

/** Reason phrases (RFC 9110) used as problem titles. */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Body of an RFC 9457 problem (plus the `statusCode`/`error`/`message` members every hub error carries). */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  statusCode: number;
  error: string;
  message: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

/**
 * Builds an RFC 9457 problem body. `field`, when given, is named in `errors[]` like every other 4xx of the
 * hub (so clients read one shape). Extension members (e.g. `limitBytes`) are copied in.
 */
export function problemBody(
  status: number,
  detail: string,
  opts: { field?: string; extensions?: Record<string, unknown> } = {},
): ProblemBody {
  const title = TITLES[status] ?? 'Error';
  return {
    type: 'about:blank',
    title,
    status,
    detail,
    statusCode: status,
    error: title,
    message: detail,
    ...(opts.field ? { errors: [{ field: opts.field, message: detail }] } : {}),
    ...opts.extensions,
  };
}

/** Writes a problem as `application/problem+json` (RFC 9457) with extra response headers. */
export function sendProblem(
  res: Response,
  body: ProblemBody,
  headers: Record<string, string | number> = {},
): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, String(v));
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

/**
 * An HTTP failure answered as `application/problem+json` with headers (e.g. `Retry-After`, `RateLimit-*`)
 * by {@link ProblemResponseFilter}.
 */
export class ProblemResponseException extends HttpException {
  constructor(
    readonly problem: ProblemBody,
    readonly headers: Record<string, string | number> = {},
  ) {
    super(problem, problem.status);
  }
}

/**
 * Turns an application's own error (a domain problem of a use case, e.g. "not found", "conflict") into a
 * {@link ProblemResponseException}; returns null/undefined for errors it does not know. Apps pass theirs
 * to `protectHttp({ problems })`, so one filter answers every problem the same way.
 */
export type ProblemMapper = (e: unknown) => ProblemResponseException | null | undefined;

/**
 * The hub's one exception filter (registered globally by `protectHttp`, nowhere else): answers every
 * {@link ProblemResponseException} — the 401/403 of `@hub/auth` (with `WWW-Authenticate`), 413/415/429/503
 * of the protection layer — and every error a {@link ProblemMapper} recognises as RFC 9457
 * `application/problem+json` with the exception's headers. Anything else goes to Nest's default handling
 * (`HttpException`s keep their status and body; unknown errors are a 500 without details).
 */
@Catch()
export class ProblemResponseFilter extends BaseExceptionFilter {
  constructor(
    private readonly mappers: readonly ProblemMapper[] = [],
    applicationRef?: HttpServer,
  ) {
    super(applicationRef);
  }

  override catch(e: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http') {
      const p = e instanceof ProblemResponseException ? e : this.map(e);
      if (p) return sendProblem(host.switchToHttp().getResponse<Response>(), p.problem, p.headers);
    }
    super.catch(e, host);
  }

  private map(e: unknown): ProblemResponseException | null {
    for (const m of this.mappers) {
      const p = m(e);
      if (p) return p;
    }
    return null;
  }
}
