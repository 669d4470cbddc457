import type { z } from 'zod';
import { formatIssues } from '@hub/contracts';

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
