import { AuthenticatedBy } from '@hub/auth';
import {
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ConversationMessage } from '@hub/contracts';
import { ApiJsonResponse, ApiProblem, ZodValidationPipe, badRequest } from '@hub/http';
import { AGENT_TOKEN_VERIFIER, AgentAuthGuard, Principal } from '../auth/agent-auth.guard';
import {
  InvalidAgentTokenError,
  type AgentPrincipal,
  type AgentTokenVerifier,
} from '../auth/agent-token.verifier';
import { NotVisibleError } from '../domain/errors';
import { AGENT_SECURITY, FILE_LINK_SECURITY, FileSharedSchema } from '../openapi';
import { workItemIdPipe } from '../work-items/work-items.controller';
import { FilesService, InvalidFileLinkError, UploadRejectedError } from './files.service';
import { SingleFileUploadInterceptor } from './upload.interceptor';
import type { Readable } from 'node:stream';
import type { StoredFileRow } from './stored-file.repository';

const fileIdPipe = new ZodValidationPipe(z.uuid(), 'id');

/** File transfer: agents upload into their work item; agents or signed links download. */
@ApiTags('files')
@AuthenticatedBy('agent-jwt or signed-link')
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
  @ApiOperation({ summary: 'Upload a file into an assigned work item; it is shared with the customer' })
  @ApiBearerAuth(AGENT_SECURITY)
  @ApiParam({ name: 'id', format: 'uuid', description: 'Work item id' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description: 'The file (one part)' } },
    },
  })
  @ApiJsonResponse(201, FileSharedSchema, { description: 'The `file` message shared with the customer' })
  @ApiProblem(400, 'No `file` part, or `id` is not a UUID (`errors[].field` names it)')
  @ApiProblem(401, 'Missing, expired or badly signed agent token')
  @ApiProblem(404, 'Not assigned to the caller (or unknown, or another tenant’s)')
  @ApiProblem(409, 'No longer assigned to the caller')
  @ApiProblem(413, 'Larger than FILE_MAX_BYTES')
  @ApiProblem(415, 'Content type outside FILE_ALLOWED_TYPES')
  async upload(
    @Principal() principal: AgentPrincipal,
    @Param('id', workItemIdPipe) id: string,
    @Req() req: Request,
  ): Promise<{ message: ConversationMessage }> {
    const f = (req as Request & { file?: Express.Multer.File }).file;
    if (!f) throw badRequest([{ field: 'file', message: 'is required (multipart part named "file")' }]);
    try {
      const message = await this.files.upload(principal, id, {
        name: Buffer.from(f.originalname, 'latin1').toString('utf8'),
        contentType: f.mimetype,
        bytes: f.buffer,
      });
      return { message };
    } catch (e) {
      if (e instanceof UploadRejectedError)
        throw e.status === 400
          ? badRequest([{ field: 'file', message: e.message }])
          : new HttpException(e.message, e.status);
      throw e;
    }
  }

  /**
   * `GET /v1/files/:id` with `Authorization: Bearer <agent token>` (agent who can see the work
   * item) or `?token=<signed link>` (bot platform). 403 for a tampered/expired link, 404 otherwise.
   */
  @Get('files/:id')
  @ApiOperation({ summary: 'Download a file (agent who can see the work item, or a signed link)' })
  @ApiBearerAuth(AGENT_SECURITY)
  @ApiSecurity(FILE_LINK_SECURITY)
  @ApiParam({ name: 'id', format: 'uuid', description: 'File id' })
  @ApiResponse({
    status: 200,
    description: 'The file as uploaded (its own Content-Type; `Content-Disposition: attachment`)',
    content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblem(400, '`id` is not a UUID (`errors[].field` = `id`)')
  @ApiProblem(401, 'Bad agent token')
  @ApiProblem(403, 'The signed link is tampered with, expired or for another file')
  @ApiProblem(404, 'Unknown file or not visible to the caller')
  async download(
    @Param('id', fileIdPipe) id: string,
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
      if (e instanceof InvalidFileLinkError) throw new ForbiddenException(e.message);
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
