import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';
import { formatIssues } from '@hub/contracts';

/**
 * Parses input with a zod schema.
 * @throws BadRequestException (400) whose message names each offending field (`path: message`)
 */
export function parseOr400<S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new BadRequestException(formatIssues(r.error.issues));
  return r.data;
}

/** Result of a socket command, returned as the Socket.IO acknowledgement. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: string; code: string };

/** Parses a socket payload; a failure becomes an `invalid` ack naming the fields. */
export function parseOrAck<S extends z.ZodTypeAny>(
  schema: S,
  input: unknown,
): { ok: true; data: z.infer<S> } | { ok: false; error: string; code: 'invalid' } {
  const r = schema.safeParse(input ?? {});
  return r.success
    ? { ok: true, data: r.data }
    : { ok: false, error: formatIssues(r.error.issues), code: 'invalid' };
}
