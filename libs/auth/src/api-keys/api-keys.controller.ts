import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import {
  ApiJsonBody,
  ApiJsonResponse,
  ApiProblem,
  ApiTenant,
  CurrentPrincipal,
  TenantId,
  ZodValidationPipe,
  type Principal,
} from '@hub/http';
import { RequireScopes } from '../decorators';
import { hasScopes } from '../scopes';
import { generateApiKey } from './api-key-format';
import { ApiKeyVerifier } from './api-key.verifier';
import { ApiKeysRepository, type ApiKeyRow } from './api-keys.repository';
import {
  ApiKeyListSchema,
  ApiKeyViewSchema,
  CreateApiKeyBodySchema,
  CreatedApiKeySchema,
  RotateApiKeyBodySchema,
  RotatedApiKeySchema,
  type ApiKeyView,
} from './api-keys.schemas';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The listed view of a key (never the secret or its hash). */
export function presentApiKey(r: ApiKeyRow): ApiKeyView {
  return {
    id: r.id,
    tenantId: r.tenantId,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    expiresAt: iso(r.expiresAt),
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: iso(r.lastUsedAt),
    revokedAt: iso(r.revokedAt),
    replacedBy: r.replacedBy,
  };
}

const notFound = (id: string) => new NotFoundException(`no API key ${id}`);

/**
 * Admin API of a tenant's API keys (scope `keys:admin`; a platform admin names the tenant with `X-Tenant-Id`).
 * Mounted by work-item-router (the owner of tenants) through `AuthModule.forRoot({adminApi: true})`.
 * A tenant credential can only grant scopes it holds itself (403 otherwise).
 */
@ApiTags('api-keys')
@ApiTenant()
@RequireScopes('keys:admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    @Inject(ApiKeysRepository) private readonly repo: ApiKeysRepository,
    @Inject(ApiKeyVerifier) private readonly verifier: ApiKeyVerifier,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is in this response only' })
  @ApiJsonBody(CreateApiKeyBodySchema, { name: 'CreateApiKeyBody' })
  @ApiJsonResponse(201, CreatedApiKeySchema, {
    name: 'CreatedApiKey',
    description: 'Created; `key` is shown once',
  })
  @ApiProblem(404, 'No such tenant')
  async create(
    @TenantId() tenantId: string,
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(CreateApiKeyBodySchema)) body: z.infer<typeof CreateApiKeyBodySchema>,
  ) {
    if (!hasScopes(principal.scopes, body.scopes))
      throw new ForbiddenException('scopes: a credential can only grant scopes it holds');
    if (!(await this.repo.tenantExists(tenantId))) throw new NotFoundException(`no tenant ${tenantId}`);
    const k = generateApiKey();
    const row = await this.repo.insert({
      tenantId,
      name: body.name,
      prefix: k.prefix,
      secretSha256: k.secretSha256,
      scopes: [...new Set(body.scopes)],
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
    });
    return { ...presentApiKey(row), key: k.token };
  }

  @Get()
  @ApiOperation({ summary: "The tenant's API keys, newest first (never the secret)" })
  @ApiJsonResponse(200, ApiKeyListSchema, { description: 'Keys' })
  async list(@TenantId() tenantId: string) {
    return { items: (await this.repo.list(tenantId)).map(presentApiKey) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One API key (never the secret)' })
  @ApiJsonResponse(200, ApiKeyViewSchema, { name: 'ApiKeyView', description: 'The key' })
  @ApiProblem(404, "No such key of the caller's tenant")
  async get(@TenantId() tenantId: string, @Param('id') id: string) {
    const row = await this.repo.get(tenantId, id);
    if (!row) throw notFound(id);
    return presentApiKey(row);
  }

  @Post(':id/rotate')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Rotate: a new key with the same name and scopes; the old one stays valid for `graceSeconds`',
  })
  @ApiJsonBody(RotateApiKeyBodySchema, { name: 'RotateApiKeyBody', required: false })
  @ApiJsonResponse(201, RotatedApiKeySchema, {
    name: 'RotatedApiKey',
    description: 'The new key (shown once) and the old one',
  })
  @ApiProblem(404, 'No such active, unrotated key')
  async rotate(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(RotateApiKeyBodySchema)) body: z.infer<typeof RotateApiKeyBodySchema>,
  ) {
    const k = generateApiKey();
    const r = await this.repo.rotate(tenantId, id, new Date(Date.now() + body.graceSeconds * 1000), k);
    if (!r) throw notFound(id);
    this.verifier.forget(r.old.prefix);
    return { key: { ...presentApiKey(r.created), key: k.token }, previous: presentApiKey(r.old) };
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Revoke a key (effective within AUTH_API_KEY_CACHE_TTL_MS on every replica, ≤ 30 s)',
  })
  @ApiJsonResponse(200, ApiKeyViewSchema, { name: 'ApiKeyView', description: 'The revoked key' })
  @ApiProblem(404, "No such key of the caller's tenant")
  async revoke(@TenantId() tenantId: string, @Param('id') id: string) {
    const row = await this.repo.revoke(tenantId, id);
    if (!row) throw notFound(id);
    this.verifier.forget(row.prefix);
    return presentApiKey(row);
  }
}
