import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/** One offending field of a 400 response. `field` is the dot path (`transcript.0.timestamp`). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Turns zod issues into `{field, message}` pairs.
 * @param prefix prepended to every path (e.g. `query.`); a whole-value problem is reported as the prefix
 *               without its trailing dot, or `(root)`
 */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], prefix = ''): FieldError[] {
  return issues.map((i) => ({
    field: i.path.length ? prefix + i.path.map(String).join('.') : prefix.replace(/\.$/, '') || '(root)',
    message: i.message,
  }));
}

/** The 400 response: `{statusCode: 400, error, message: 'field: message; …', errors: [{field, message}]}`. */
export function badRequest(errors: FieldError[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  });
}

/**
 * Parses `value` with a zod schema and returns the parsed value (defaults applied).
 * @throws BadRequestException (400) naming every offending field, paths prefixed with `prefix`
 */
export function parseOr400<S extends z.ZodTypeAny>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw badRequest(fieldErrors(r.error.issues, prefix));
  return r.data;
}

/**
 * NestJS pipe: validates and parses a request part (body, query, param) with a zod schema; on failure
 * answers 400 naming every offending field (see {@link badRequest}).
 */
export class ZodValidationPipe<S extends z.ZodTypeAny> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    /** Prefix for field names, e.g. `query.` */
    private readonly prefix = '',
  ) {}

  transform(value: unknown): z.infer<S> {
    return parseOr400(this.schema, value, this.prefix);
  }
}
