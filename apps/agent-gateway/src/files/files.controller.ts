import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ConversationMessage } from '@hub/contracts';
import { AGENT_TOKEN_VERIFIER, AgentAuthGuard, Principal } from '../auth/agent-auth.guard';
import {
  InvalidAgentTokenError,
  type AgentPrincipal,
  type AgentTokenVerifier,
} from '../auth/agent-token.verifier';
import { NotVisibleError } from '../domain/errors';
import { FilesService, UploadRejectedError } from './files.service';
import { SingleFileUploadInterceptor } from './upload.interceptor';
import type { Readable } from 'node:stream';
import type { StoredFileRow } from './stored-file.repository';

/** File transfer: agents upload into their work item; agents or signed links download. */
@Controller('v1')
export class FilesController {
  constructor(
    @Inject(FilesService) private readonly files: FilesService,
    @Inject(AGENT_TOKEN_VERIFIER) private readonly verifier: AgentTokenVerifier,
  ) {}

  /**
   * `POST /v1/agent/work-items/:id/files` (multipart, part `file`) → 201 with the `file` message
   * shared with the customer. 413 over FILE_MAX_BYTES, 415 for a type outside FILE_ALLOWED_TYPES,
   * 404 unless the work item is assigned to the caller, 409 if it is no longer assigned.
   */
  @Post('agent/work-items/:id/files')
  @HttpCode(201)
  @UseGuards(AgentAuthGuard)
  @UseInterceptors(SingleFileUploadInterceptor)
  async upload(
    @Principal() principal: AgentPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() req: Request,
  ): Promise<{ message: ConversationMessage }> {
    const f = (req as Request & { file?: Express.Multer.File }).file;
    if (!f) throw new BadRequestException('file: is required (multipart part named "file")');
    try {
      const message = await this.files.upload(principal, id, {
        name: Buffer.from(f.originalname, 'latin1').toString('utf8'),
        contentType: f.mimetype,
        bytes: f.buffer,
      });
      return { message };
    } catch (e) {
      if (e instanceof UploadRejectedError) throw new HttpException(e.message, e.status);
      throw e;
    }
  }

  /**
   * `GET /v1/files/:id` with `Authorization: Bearer <agent token>` (agent who can see the work
   * item) or `?token=<signed link>` (bot platform). 404 otherwise.
   */
  @Get('files/:id')
  async download(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query('token') token: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    let file: { row: StoredFileRow; body: Readable };
    try {
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (bearer) {
        const principal = await this.verifier.verify(bearer);
        file = await this.files.openForAgent(principal, id);
      } else if (token) {
        file = await this.files.openWithLink(token, id);
      } else {
        throw new NotVisibleError('file');
      }
    } catch (e) {
      if (e instanceof NotVisibleError) throw new NotFoundException(e.message);
      if (e instanceof InvalidAgentTokenError) throw new HttpException(`authorization: ${e.reason}`, 401);
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new NotFoundException('file content not found');
      throw e;
    }
    res.setHeader('Content-Type', file.row.contentType);
    res.setHeader('Content-Length', String(file.row.sizeBytes));
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.row.name)}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    file.body.pipe(res);
  }
}
