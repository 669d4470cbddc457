import { ConflictException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';

/** 404 with a clear message (other tenants' rows are invisible, so they are "unknown" too). */
export const notFound = (message: string) =>
  new NotFoundException({ statusCode: 404, error: 'Not Found', message });

/** 409 naming the conflicting field. */
export const conflict = (field: string, message: string) =>
  new ConflictException({
    statusCode: 409,
    error: 'Conflict',
    message: `${field}: ${message}`,
    errors: [{ field, message }],
  });

/** 422: well-formed but references something unusable (e.g. an unknown queue id). */
export const unprocessable = (field: string, message: string) =>
  new UnprocessableEntityException({
    statusCode: 422,
    error: 'Unprocessable Entity',
    message: `${field}: ${message}`,
    errors: [{ field, message }],
  });

/** True for a Prisma unique-constraint violation (P2002). */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'P2002' || /unique constraint/i.test(err?.message ?? '');
}
