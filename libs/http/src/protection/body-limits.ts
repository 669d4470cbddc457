import type { NextFunction, Request, Response } from 'express';
import { problemBody, sendProblem } from './problem-response';

/** An error raised by `body-parser` (express.json / urlencoded / raw / text). */
interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * Express error middleware (register right after the body parsers) turning body-parser failures into
 * `application/problem+json`: a body over the cap → **413** naming the limit in bytes (and the variable
 * that sets it); malformed JSON → **400** naming `body`; an unsupported charset/encoding → **415**.
 * Other errors pass on.
 * @param limitVariable the configuration variable that sets the cap, named in the 413
 */
export function bodyParserProblems(limitVariable = 'HTTP_JSON_LIMIT_BYTES') {
  return (err: BodyParserError, _req: Request, res: Response, next: NextFunction): void => {
    switch (err?.type) {
      case 'entity.too.large':
        return sendProblem(
          res,
          problemBody(413, `body: larger than the limit of ${err.limit} bytes (${limitVariable})`, {
            field: 'body',
            extensions: { limitBytes: err.limit },
          }),
        );
      case 'entity.parse.failed':
        return sendProblem(res, problemBody(400, `body: not valid JSON (${err.message})`, { field: 'body' }));
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return sendProblem(res, problemBody(415, `Content-Type: ${err.message}`, { field: 'Content-Type' }));
      default:
        return next(err);
    }
  };
}

/**
 * Thrown by {@link countBytes} when a streamed body passes its cap; `limitBytes` is the cap.
 */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`body: larger than the limit of ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Wraps a streamed request body so it yields its chunks while counting bytes, and throws
 * {@link BodyTooLargeError} (destroying the source) as soon as more than `limitBytes` arrived — so a
 * streaming consumer (e.g. a JSON Lines upload) never reads past the cap. A `Content-Length` above the
 * cap fails before the first chunk.
 */
export async function* countBytes(
  body: AsyncIterable<Buffer | string> & { destroy?: () => void; headers?: Record<string, unknown> },
  limitBytes: number,
): AsyncGenerator<Buffer> {
  const declared = Number(body.headers?.['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new BodyTooLargeError(limitBytes);
  }
  let seen = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    seen += buf.length;
    if (seen > limitBytes) {
      throw new BodyTooLargeError(limitBytes);
    }
    yield buf;
  }
}
