import {
  BadRequestException,
  HttpException,
  Inject,
  Injectable,
  PayloadTooLargeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import multer from 'multer';
import type { Observable } from 'rxjs';
import { checkUpload, type FilePolicy } from '../domain/file-policy';
import { FILE_POLICY } from './files.service';

/**
 * Parses a `multipart/form-data` upload (RFC 7578) with one part named `file` into `req.file`,
 * held in memory. The type is checked from the part's header before the body is read (415), and
 * reading stops at FILE_MAX_BYTES (413); both messages name the limit.
 */
@Injectable()
export class SingleFileUploadInterceptor implements NestInterceptor {
  private readonly handler: ReturnType<ReturnType<typeof multer>['single']>;

  constructor(@Inject(FILE_POLICY) private readonly policy: FilePolicy) {
    this.handler = multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: policy.maxBytes, files: 1, fields: 10 },
      fileFilter: (_req, file, cb) => {
        const rejection = checkUpload({ sizeBytes: 1, contentType: file.mimetype }, policy);
        if (rejection) cb(new HttpException(rejection.message, rejection.status));
        else cb(null, true);
      },
    }).single('file');
  }

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    await new Promise<void>((resolve, reject) =>
      this.handler(req, res, (err: unknown) => {
        if (!err) return resolve();
        if (err instanceof HttpException) return reject(err);
        if (err instanceof multer.MulterError) {
          if (err.code === 'LIMIT_FILE_SIZE')
            return reject(
              new PayloadTooLargeException(
                `file: larger than the limit of ${this.policy.maxBytes} bytes (FILE_MAX_BYTES)`,
              ),
            );
          return reject(new BadRequestException(`${err.field ?? 'file'}: ${err.message}`));
        }
        reject(new BadRequestException(`body: ${(err as Error).message}`));
      }),
    );
    return next.handle();
  }
}
