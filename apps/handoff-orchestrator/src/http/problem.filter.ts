import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { Problem } from './problems';

/**
 * Maps {@link Problem}s thrown by use cases to JSON error responses:
 * `{statusCode, error, message, errors?: [{field, message}]}`.
 */
@Catch(Problem)
export class ProblemFilter implements ExceptionFilter {
  catch(p: Problem, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const error = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity' }[
      p.status
    ];
    res.status(p.status).json({
      statusCode: p.status,
      error,
      message: p.message,
      ...(p.field ? { errors: [{ field: p.field, message: p.message }] } : {}),
    });
  }
}
