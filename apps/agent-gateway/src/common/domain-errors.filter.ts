import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { NotVisibleError, WrongStateError } from '../domain/errors';

/** Maps domain errors to HTTP: {@link NotVisibleError} → 404, {@link WrongStateError} → 409. */
@Catch(NotVisibleError, WrongStateError)
export class DomainErrorsFilter implements ExceptionFilter {
  catch(e: NotVisibleError | WrongStateError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const status = e instanceof NotVisibleError ? 404 : 409;
    res.status(status).json({ statusCode: status, message: e.message, error: e.code });
  }
}
