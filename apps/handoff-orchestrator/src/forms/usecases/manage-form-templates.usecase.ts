import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { OutboundUrlPolicy, OutboundUrlRefusedError } from '@hub/integrations';
import { BOT_WEBHOOK_URL_POLICY } from '../../bot-webhooks/bot-webhook-tokens';
import { BadRequestProblem, ConflictProblem, NotFoundProblem } from '../../http/problems';
import type { FormTemplate, FormTemplateBody } from '../form.schemas';
import { DuplicateTemplateNameError, FormsRepository } from '../forms.repository';

/**
 * Settings → Forms: a tenant's form templates. The submission webhook URL must pass the outbound URL
 * policy of callbacks (HANDOFF_CALLBACK_*: https, public address, allow-list) — checked here and again at
 * each delivery.
 */
@Injectable()
export class ManageFormTemplatesUseCase {
  constructor(
    private readonly repo: FormsRepository,
    @Inject(BOT_WEBHOOK_URL_POLICY) private readonly urls: OutboundUrlPolicy,
  ) {}

  /** @throws BadRequestProblem (`webhookUrl`), ConflictProblem (`name` taken) */
  async create(tenantId: string, body: FormTemplateBody): Promise<FormTemplate> {
    this.checkWebhook(body.webhookUrl);
    try {
      return await this.repo.createTemplate(tenantId, randomUUID(), body);
    } catch (e) {
      if (e instanceof DuplicateTemplateNameError)
        throw new ConflictProblem(`a form template named ${body.name} exists`, 'name');
      throw e;
    }
  }

  /** @throws NotFoundProblem, BadRequestProblem (`webhookUrl`), ConflictProblem (`name` taken) */
  async replace(tenantId: string, id: string, body: FormTemplateBody): Promise<FormTemplate> {
    this.checkId(id);
    this.checkWebhook(body.webhookUrl);
    try {
      const t = await this.repo.replaceTemplate(tenantId, id, body);
      if (!t) throw new NotFoundProblem(`form template ${id} not found`, 'id');
      return t;
    } catch (e) {
      if (e instanceof DuplicateTemplateNameError)
        throw new ConflictProblem(`a form template named ${body.name} exists`, 'name');
      throw e;
    }
  }

  /** @throws NotFoundProblem */
  async get(tenantId: string, id: string): Promise<FormTemplate> {
    this.checkId(id);
    const t = await this.repo.getTemplate(tenantId, id);
    if (!t) throw new NotFoundProblem(`form template ${id} not found`, 'id');
    return t;
  }

  list(tenantId: string): Promise<FormTemplate[]> {
    return this.repo.listTemplates(tenantId);
  }

  /** Deletes the template and its links (issued links then answer 404). @throws NotFoundProblem */
  async delete(tenantId: string, id: string): Promise<void> {
    this.checkId(id);
    if (!(await this.repo.deleteTemplate(tenantId, id)))
      throw new NotFoundProblem(`form template ${id} not found`, 'id');
  }

  private checkId(id: string): void {
    if (!z.uuid().safeParse(id).success) throw new NotFoundProblem(`form template ${id} not found`, 'id');
  }

  private checkWebhook(url: string): void {
    try {
      this.urls.checkUrl(url);
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError)
        throw new BadRequestProblem(`webhook URL refused (${e.reason}): ${e.message}`, 'webhookUrl');
      throw e;
    }
  }
}
