import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { ConversationMessage } from '@hub/contracts';
import { contentMismatch } from '@hub/http';
import type { AgentPrincipal } from '../auth/agent-token.verifier';
import { ChatService } from '../conversations/chat.service';
import { NotVisibleError } from '../domain/errors';
import { checkUpload, safeFileName, baseMediaType, type FilePolicy } from '../domain/file-policy';
import { WORK_ITEM_READER, type WorkItemReader } from '../work-items/work-item.reader';
import { FILE_LINK_SIGNER, type FileLinkSigner } from './file-link.signer';
import { FILE_STORAGE, type FileStorage } from './file-storage';
import { StoredFileRepository, type StoredFileRow } from './stored-file.repository';

export const FILE_POLICY = Symbol('FILE_POLICY');
export const PUBLIC_BASE_URL = Symbol('PUBLIC_BASE_URL');

/** An upload as received (multipart part held in memory, ≤ FILE_MAX_BYTES). */
export interface IncomingFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** Thrown for an upload the policy refuses (status 400/413/415, message names the limit). */
export class UploadRejectedError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'UploadRejectedError';
  }
}

/** A signed file link that is tampered with, expired or for another file (403). */
export class InvalidFileLinkError extends Error {
  constructor() {
    super('token: the file link is invalid or expired');
    this.name = 'InvalidFileLinkError';
  }
}

/**
 * File transfer in a live conversation: an agent uploads a file into a work item assigned to them;
 * the bytes go to {@link FileStorage}, the metadata to `stored_files`, and the file is shared as a
 * `file` message whose URL is a signed download link the bot platform can fetch.
 */
@Injectable()
export class FilesService {
  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(FILE_LINK_SIGNER) private readonly signer: FileLinkSigner,
    @Inject(FILE_POLICY) readonly policy: FilePolicy,
    @Inject(PUBLIC_BASE_URL) private readonly baseUrl: string,
    @Inject(StoredFileRepository) private readonly files: StoredFileRepository,
    @Inject(WORK_ITEM_READER) private readonly workItems: WorkItemReader,
    @Inject(ChatService) private readonly chat: ChatService,
  ) {}

  /**
   * Stores and shares a file.
   * @returns the `file` message sent to the customer
   * @throws UploadRejectedError (413 too large, 415 type not allowed or content not of the declared type
   *   — checked by signature with magic-bytes.js, text as UTF-8 —, 400 empty)
   * @throws NotVisibleError / WrongStateError unless the work item is assigned to the agent
   */
  async upload(
    principal: AgentPrincipal,
    workItemId: string,
    file: IncomingFile,
  ): Promise<ConversationMessage> {
    const rejection = checkUpload(
      { sizeBytes: file.bytes.length, contentType: file.contentType },
      this.policy,
    );
    if (rejection) throw new UploadRejectedError(rejection.status, rejection.message);
    // the declared type is the client's claim: the bytes must match it (magic bytes / UTF-8 text)
    const mismatch = contentMismatch(file.bytes, baseMediaType(file.contentType));
    if (mismatch) throw new UploadRejectedError(415, `file: ${mismatch}`);
    const ref = await this.chat.requireAssigned(principal, workItemId);
    const id = randomUUID();
    const storageKey = `${principal.tenantId}/${id}`;
    await this.storage.put(storageKey, file.bytes);
    const row = await this.files.create({
      id,
      tenantId: principal.tenantId,
      conversationId: ref.conversationId,
      workItemId: ref.workItemId,
      uploadedBy: principal.agentId,
      name: safeFileName(file.name),
      contentType: baseMediaType(file.contentType),
      sizeBytes: file.bytes.length,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      storageKey,
    });
    const token = await this.signer.sign(principal.tenantId, id);
    return this.chat.sendFile(principal, ref, {
      fileId: id,
      name: row.name,
      contentType: row.contentType,
      sizeBytes: row.sizeBytes,
      url: `${this.baseUrl}/v1/files/${id}?token=${encodeURIComponent(token)}`,
    });
  }

  /**
   * Opens a file for an agent who can see its work item.
   * @throws NotVisibleError otherwise (including other tenants' files)
   */
  async openForAgent(
    principal: AgentPrincipal,
    fileId: string,
  ): Promise<{ row: StoredFileRow; body: Readable }> {
    const row = await this.files.find(principal.tenantId, fileId);
    if (!row) throw new NotVisibleError('file');
    const item = await this.workItems.findVisible(principal.tenantId, principal.agentId, row.workItemId);
    if (!item) throw new NotVisibleError('file');
    return { row, body: await this.storage.open(row.storageKey) };
  }

  /**
   * Opens a file with a signed link token.
   * @throws InvalidFileLinkError if the token is tampered with, expired or for another file
   * @throws NotVisibleError if the file no longer exists
   */
  async openWithLink(token: string, fileId: string): Promise<{ row: StoredFileRow; body: Readable }> {
    const tenantId = await this.signer.verify(token, fileId);
    if (!tenantId) throw new InvalidFileLinkError();
    const row = await this.files.find(tenantId, fileId);
    if (!row) throw new NotVisibleError('file');
    return { row, body: await this.storage.open(row.storageKey) };
  }
}
