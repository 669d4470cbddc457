import { Injectable } from '@nestjs/common';
import { IntegrationConfigSchemas, type IntegrationType } from '@hub/contracts';
import { z } from 'zod';
import { ConflictProblem, NotFoundProblem, UnprocessableProblem } from '../http/problems';
import { badRequest, fieldErrors } from '@hub/http';
import { QueueRepository } from '../routing/queue.repository';
import { DuplicateIntegrationNameError, IntegrationRepository } from './integration.repository';
import { presentIntegration, type IntegrationView } from './integration.presenter';
import type { CreateIntegrationBody, UpdateIntegrationBody } from './integrations.schema';

const isUuid = (s: string) => z.uuid().safeParse(s).success;

/**
 * Use cases of the Integrations API (`/v1/integrations`): typed config per integration `type`
 * (`IntegrationConfigSchemas`), secrets write-only, everything tenant-scoped.
 * Errors: 400 naming `config.<field>` / `secrets.<field>`; 404 unknown id (also another tenant's);
 * 409 duplicate name; 422 `config.defaultQueueId` not a queue of this tenant.
 */
@Injectable()
export class IntegrationsService {
  constructor(
    private readonly repo: IntegrationRepository,
    private readonly queues: QueueRepository,
  ) {}

  /**
   * Creates an integration of the tenant (config/secrets validated by its type).
   * @throws 400 (BadRequestException, `errors[].field`) naming `config.x` / `secrets.y`; UnprocessableProblem (422)
   *         `config.defaultQueueId` not a queue of the tenant; ConflictProblem (409) duplicate name
   */
  async create(tenantId: string, body: CreateIntegrationBody): Promise<IntegrationView> {
    const { config, secrets } = this.validate(body.type, body.config, body.secrets);
    await this.checkReferences(tenantId, body.type, config);
    try {
      return presentIntegration(
        await this.repo.create(tenantId, {
          type: body.type,
          name: body.name,
          config,
          secrets,
          enabled: body.enabled,
        }),
      );
    } catch (e) {
      if (e instanceof DuplicateIntegrationNameError) throw new ConflictProblem(e.message, 'name');
      throw e;
    }
  }

  /** The tenant's integrations as views (secrets redacted), optionally of one type. */
  async list(tenantId: string, type?: IntegrationType): Promise<IntegrationView[]> {
    return (await this.repo.list(tenantId, type)).map(presentIntegration);
  }

  /** @throws NotFoundProblem (404) not an integration of the tenant (or not a UUID) */
  async get(tenantId: string, id: string): Promise<IntegrationView> {
    const row = isUuid(id) ? await this.repo.findById(tenantId, id) : null;
    if (!row) throw new NotFoundProblem(`integration ${id} not found`);
    return presentIntegration(row);
  }

  /**
   * Updates name/enabled/config/secrets (`config`/`secrets` replaced when given, validated by type).
   * @throws NotFoundProblem (404) unknown id; 400 (BadRequestException) naming `config.x` / `secrets.y`;
   *         ConflictProblem (409) duplicate name
   */
  async update(tenantId: string, id: string, body: UpdateIntegrationBody): Promise<IntegrationView> {
    const row = isUuid(id) ? await this.repo.findById(tenantId, id) : null;
    if (!row) throw new NotFoundProblem(`integration ${id} not found`);
    const type = row.type as IntegrationType;
    const { config, secrets } = this.validate(
      type,
      body.config ?? (row.config as Record<string, unknown>),
      body.secrets ?? (row.secrets as Record<string, unknown>),
    );
    if (body.config) await this.checkReferences(tenantId, type, config);
    try {
      const updated = await this.repo.update(tenantId, id, {
        name: body.name,
        enabled: body.enabled,
        config: body.config ? config : undefined,
        secrets: body.secrets ? secrets : undefined,
      });
      if (!updated) throw new NotFoundProblem(`integration ${id} not found`);
      return presentIntegration(updated);
    } catch (e) {
      if (e instanceof DuplicateIntegrationNameError) throw new ConflictProblem(e.message, 'name');
      throw e;
    }
  }

  /** @throws NotFoundProblem (404) not an integration of the tenant */
  async delete(tenantId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await this.repo.delete(tenantId, id))) {
      throw new NotFoundProblem(`integration ${id} not found`);
    }
  }

  /** Parses config/secrets with the type's schemas; 400 naming `config.x` / `secrets.y`. */
  private validate(type: IntegrationType, config: unknown, secrets: unknown) {
    const s = IntegrationConfigSchemas[type];
    const c = s.config.safeParse(config ?? {});
    const k = s.secrets.safeParse(secrets ?? {});
    const errors = [
      ...(c.success ? [] : fieldErrors(c.error.issues, 'config.')),
      ...(k.success ? [] : fieldErrors(k.error.issues, 'secrets.')),
    ];
    if (errors.length || !c.success || !k.success) throw badRequest(errors);
    return { config: c.data as Record<string, unknown>, secrets: k.data as Record<string, unknown> };
  }

  private async checkReferences(tenantId: string, type: IntegrationType, config: Record<string, unknown>) {
    const q = type === 'internal' ? (config['defaultQueueId'] as string | null) : null;
    if (q && !(await this.queues.exists(tenantId, q))) {
      throw new UnprocessableProblem(`queue ${q} does not exist in this tenant`, 'config.defaultQueueId');
    }
  }
}
