import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

/** Reason phrases (RFC 9110) used as problem titles. */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
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

/** Global filter answering {@link ProblemResponseException}s (registered by `protectHttp`). */
@Catch(ProblemResponseException)
export class ProblemResponseFilter implements ExceptionFilter {
  catch(e: ProblemResponseException, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    sendProblem(host.switchToHttp().getResponse<Response>(), e.problem, e.headers);
  }
}
