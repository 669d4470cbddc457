import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  DuplicateIntegrationNameError,
  IntegrationConfigSchemas,
  IntegrationStore,
  OutboundHttp,
  outboundUrlsOf,
  VendorIdentifierTakenError,
  type IntegrationType,
} from '@hub/integrations';
import { badRequest, fieldErrors } from '@hub/http';
import { ConflictProblem, NotFoundProblem, UnprocessableProblem } from '../http/problems';
import { QueueRepository } from '../routing/queue.repository';
import { CcaasTargets } from '../ccaas/ccaas-targets';
import { TargetError } from '@hub/ccaas';
import { presentIntegration, type IntegrationView } from './integration.presenter';
import type { CreateIntegrationBody, UpdateIntegrationBody } from './integrations.schema';

const isUuid = (s: string) => z.uuid().safeParse(s).success;

/**
 * Use cases of the Integrations API (`/v1/integrations`) over the {@link IntegrationStore} of
 * @hub/integrations: typed config per integration `type` (`IntegrationConfigSchemas`), secrets
 * write-only and encrypted at rest, URLs of hosts we will call vetted by the outbound URL policy,
 * everything tenant-scoped.
 * Errors: 400 naming `config.<field>` / `secrets.<field>` (also a URL the outbound policy refuses);
 * 404 unknown id (also another tenant's); 409 duplicate name, or a vendor identifier that selects a
 * tenant (`config.subscription`, `secrets.apiKey`, `config.eightByEightTenant`) already registered by
 * another integration; 422 `config.defaultQueueId` not a queue of this tenant.
 */
@Injectable()
export class IntegrationsService {
  constructor(
    private readonly store: IntegrationStore,
    private readonly outbound: OutboundHttp,
    private readonly queues: QueueRepository,
    private readonly targets: CcaasTargets,
  ) {}

  /**
   * Creates an integration of the tenant (config/secrets validated by its type).
   * @throws 400 (BadRequestException, `errors[].field`) naming `config.x` / `secrets.y`; UnprocessableProblem (422)
   *         `config.defaultQueueId` not a queue of the tenant; ConflictProblem (409) duplicate name or vendor identifier
   */
  async create(tenantId: string, body: CreateIntegrationBody): Promise<IntegrationView> {
    const { config, secrets } = this.validate(body.type, body.config, body.secrets);
    await this.checkReferences(tenantId, body.type, config);
    await this.checkPlatform(tenantId, body.type, config, secrets);
    try {
      return presentIntegration(
        await this.store.create(tenantId, {
          type: body.type,
          name: body.name,
          config,
          secrets,
          enabled: body.enabled,
        }),
      );
    } catch (e) {
      throw conflict(e);
    }
  }

  /** The tenant's integrations as views (secret names only), optionally of one type. */
  async list(tenantId: string, type?: IntegrationType): Promise<IntegrationView[]> {
    return (await this.store.list(tenantId, type))
      .filter((i) => i.type !== 'webhook_signing')
      .map(presentIntegration);
  }

  /** @throws NotFoundProblem (404) not an integration of the tenant (or not a UUID) */
  async get(tenantId: string, id: string): Promise<IntegrationView> {
    return presentIntegration(await this.find(tenantId, id));
  }

  /**
   * Updates name/enabled/config/secrets (`config`/`secrets` replaced when given, validated by type; the
   * stored secrets are decrypted only to validate a config change against them).
   * @throws NotFoundProblem (404) unknown id; 400 (BadRequestException) naming `config.x` / `secrets.y`;
   *         ConflictProblem (409) duplicate name or vendor identifier
   */
  async update(tenantId: string, id: string, body: UpdateIntegrationBody): Promise<IntegrationView> {
    const row = await this.find(tenantId, id);
    const type = row.type;
    const { config, secrets } = this.validate(
      type,
      body.config ?? row.config,
      body.secrets ?? (body.config ? ((await this.store.readSecrets(tenantId, id)) ?? {}) : {}),
      { checkSecrets: body.secrets !== undefined || body.config !== undefined },
    );
    if (body.config) await this.checkReferences(tenantId, type, config);
    if (body.config || body.secrets) {
      await this.checkPlatform(
        tenantId,
        type,
        config,
        body.secrets ? secrets : ((await this.store.readSecrets(tenantId, id)) ?? {}),
        id,
      );
    }
    try {
      const updated = await this.store.update(tenantId, id, {
        name: body.name,
        enabled: body.enabled,
        config: body.config ? config : undefined,
        secrets: body.secrets ? secrets : undefined,
      });
      if (!updated) throw new NotFoundProblem(`integration ${id} not found`);
      return presentIntegration(updated);
    } catch (e) {
      throw conflict(e);
    }
  }

  /** @throws NotFoundProblem (404) not an integration of the tenant */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.find(tenantId, id);
    if (!(await this.store.delete(tenantId, id))) throw new NotFoundProblem(`integration ${id} not found`);
  }

  private async find(tenantId: string, id: string) {
    const row = isUuid(id) ? await this.store.get(tenantId, id) : null;
    if (!row || row.type === 'webhook_signing') throw new NotFoundProblem(`integration ${id} not found`);
    return row;
  }

  /**
   * Parses config/secrets with the type's schemas and vets every URL we will connect to with the
   * outbound URL policy; 400 naming `config.x` / `secrets.y`.
   */
  private validate(
    type: IntegrationType,
    config: unknown,
    secrets: unknown,
    opts: { checkSecrets?: boolean } = {},
  ) {
    const s = IntegrationConfigSchemas[type];
    const c = s.config.safeParse(config ?? {});
    const k = s.secrets.safeParse(secrets ?? {});
    const errors = [
      ...(c.success ? [] : fieldErrors(c.error.issues, 'config.')),
      ...(k.success || opts.checkSecrets === false ? [] : fieldErrors(k.error.issues, 'secrets.')),
    ];
    if (c.success) {
      for (const { field, url } of outboundUrlsOf(type, c.data as Record<string, unknown>)) {
        const refusal = this.outbound.refusal(url);
        if (refusal) errors.push({ field, message: refusal });
      }
    }
    if (errors.length || !c.success || (!k.success && opts.checkSecrets !== false)) throw badRequest(errors);
    return {
      config: c.data as Record<string, unknown>,
      secrets: (k.success ? k.data : {}) as Record<string, unknown>,
    };
  }

  /**
   * External contact centers: the adapter checks the configuration against the platform (Amazon Connect:
   * `DescribeContactFlow`, unpublished flows refused). A platform that cannot be asked (credentials
   * refused, unreachable, throttling) does not block saving: Test Connection names that step.
   * @throws UnprocessableProblem (422) naming the field the platform refused (`config.defaultContactFlowId` …)
   */
  private async checkPlatform(
    tenantId: string,
    type: IntegrationType,
    config: Record<string, unknown>,
    secrets: Record<string, unknown>,
    id = '00000000-0000-0000-0000-000000000000',
  ): Promise<void> {
    if (!this.targets.isExternal(type)) return;
    const adapter = this.targets.adapter(type);
    if (!adapter.checkConfiguration) return;
    try {
      await adapter.checkConfiguration({ id, tenantId, config, secrets });
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      if (e.kind !== 'invalid') return;
      throw new UnprocessableProblem(
        `the platform refused this configuration: ${e.message}`,
        e.field ?? 'config',
      );
    }
  }

  private async checkReferences(tenantId: string, type: IntegrationType, config: Record<string, unknown>) {
    const q = type === 'internal' ? (config['defaultQueueId'] as string | null) : null;
    if (q && !(await this.queues.exists(tenantId, q))) {
      throw new UnprocessableProblem(`queue ${q} does not exist in this tenant`, 'config.defaultQueueId');
    }
  }
}

function conflict(e: unknown): unknown {
  if (e instanceof DuplicateIntegrationNameError) return new ConflictProblem(e.message, 'name');
  if (e instanceof VendorIdentifierTakenError) return new ConflictProblem(e.message, e.field);
  return e;
}
