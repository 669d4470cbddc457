import { Inject, Injectable } from '@nestjs/common';
import type { AudioHookConfig } from '../../config';
import { AUDIOHOOK_CONFIG } from '../../tokens';
import {
  AUDIOHOOK_SIGNATURE_PARAMS,
  AUDIOHOOK_SIGNED_COMPONENTS,
  constantTimeEqual,
  verifyHmacSignature,
  type HeaderFields,
} from '../../auth/http-signature';
import { AudioHookTenantRepository, type AudioHookTenant } from '../../tenants/audiohook-tenant.repository';
import { NonceRepository } from '../nonce.repository';

/** The WebSocket upgrade request, as needed for authentication. */
export interface UpgradeRequest {
  method: string;
  /** Raw request target (`/path?query`). */
  target: string;
  headers: HeaderFields;
}

export type AuthResult =
  | { ok: true; tenant: AudioHookTenant; organizationId: string; sessionId?: string; correlationId?: string }
  | { ok: false; reason: string; detail: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function single(headers: HeaderFields, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Authenticates an AudioHook connection (Genesys AudioHook "Authentication"):
 *  1. `X-API-KEY` names a tenant's enabled `genesys_audiohook` integration;
 *  2. `Audiohook-Organization-Id` equals the integration's organization id;
 *  3. when the integration has a client secret: an RFC 9421 signature labelled `sig1`, `hmac-sha256`
 *     keyed with the base64-decoded client secret, `keyid` = the API key, covering
 *     `@request-target`, `@authority`, `audiohook-organization-id`, `audiohook-session-id`,
 *     `audiohook-correlation-id`, `x-api-key` with `nonce`, `alg`, `created`, `expires` — not
 *     expired, and with a nonce never used before (Redis, until the signature expires).
 *
 * Failures resolve no sooner than `AUDIOHOOK_AUTH_FAILURE_DELAY_MS` after the request arrived,
 * whatever the reason, so response timing does not reveal which check failed.
 */
@Injectable()
export class AuthenticateConnectionUseCase {
  constructor(
    @Inject(AUDIOHOOK_CONFIG) private readonly config: AudioHookConfig,
    private readonly tenants: AudioHookTenantRepository,
    private readonly nonces: NonceRepository,
  ) {}

  async execute(req: UpgradeRequest, startedAt = Date.now()): Promise<AuthResult> {
    let result: AuthResult;
    try {
      result = await this.check(req);
    } catch (e) {
      result = { ok: false, reason: 'internal_error', detail: (e as Error).message };
    }
    if (!result.ok) {
      const wait = startedAt + this.config.AUDIOHOOK_AUTH_FAILURE_DELAY_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return result;
  }

  private async check(req: UpgradeRequest): Promise<AuthResult> {
    const apiKey = single(req.headers, 'x-api-key');
    const organizationId = single(req.headers, 'audiohook-organization-id')?.toLowerCase();
    const sessionId = single(req.headers, 'audiohook-session-id');
    const correlationId = single(req.headers, 'audiohook-correlation-id');
    const host = single(req.headers, 'host');
    if (!apiKey) return { ok: false, reason: 'missing_api_key', detail: 'X-API-KEY header missing' };
    if (!organizationId || !UUID.test(organizationId)) {
      return {
        ok: false,
        reason: 'missing_organization',
        detail: 'Audiohook-Organization-Id header missing or invalid',
      };
    }
    if (sessionId !== undefined && !UUID.test(sessionId)) {
      return { ok: false, reason: 'invalid_session_id', detail: 'Audiohook-Session-Id is not a UUID' };
    }
    const tenant = await this.tenants.findByApiKey(apiKey);
    if (!tenant) return { ok: false, reason: 'unknown_api_key', detail: 'API key not recognized' };
    if (!constantTimeEqual(organizationId, tenant.organizationId)) {
      return {
        ok: false,
        reason: 'organization_mismatch',
        detail: 'organization id does not match the API key',
      };
    }
    if (tenant.clientSecret) {
      const nowSec = Math.floor(Date.now() / 1000);
      const verdict = await verifyHmacSignature(
        { method: req.method, target: req.target, authority: host ?? '', headers: req.headers },
        {
          label: 'sig1',
          key: tenant.clientSecret,
          keyid: apiKey,
          requiredComponents: AUDIOHOOK_SIGNED_COMPONENTS,
          requiredParams: AUDIOHOOK_SIGNATURE_PARAMS,
          nowSec,
          maxAgeSec: this.config.AUDIOHOOK_SIGNATURE_MAX_AGE_S,
          clockSkewSec: this.config.AUDIOHOOK_CLOCK_SKEW_S,
          minNonceLength: this.config.AUDIOHOOK_MIN_NONCE_LENGTH,
        },
      );
      if (!verdict.ok) return { ok: false, reason: `signature_${verdict.reason}`, detail: verdict.detail };
      const skew = this.config.AUDIOHOOK_CLOCK_SKEW_S;
      const validUntil = Math.min(
        (verdict.expiresSec ?? nowSec) + skew,
        (verdict.createdSec ?? nowSec) + this.config.AUDIOHOOK_SIGNATURE_MAX_AGE_S + skew,
      );
      const fresh = await this.nonces.claim(
        tenant.tenantId,
        verdict.nonce ?? '',
        (validUntil - nowSec) * 1000,
      );
      if (!fresh) return { ok: false, reason: 'replayed_nonce', detail: 'signature nonce already used' };
    }
    return { ok: true, tenant, organizationId, sessionId: sessionId?.toLowerCase(), correlationId };
  }
}
