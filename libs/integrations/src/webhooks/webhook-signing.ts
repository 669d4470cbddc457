import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { IntegrationStore } from '../store/integration.store';
import { DuplicateIntegrationNameError } from '../store/integration-errors';

/** The three headers of a signed webhook (Standard Webhooks spec, "Signature scheme"). */
export interface StandardWebhookHeaders {
  /** Unique message id: the same on every retry of one message (receivers dedupe on it). */
  'webhook-id': string;
  /** Unix time of the attempt, seconds. */
  'webhook-timestamp': string;
  /** `v1,<base64 HMAC-SHA256>` per active secret, space-separated (two during a rotation). */
  'webhook-signature': string;
}

/** A new signing secret in the Standard Webhooks format: `whsec_` + base64 of 24 random bytes (192 bits). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * Signs one webhook per the Standard Webhooks spec with the `standardwebhooks` library: the signed
 * content is `{id}.{timestamp}.{payload}`, HMAC-SHA256 under each secret, one `v1,` signature per secret
 * joined by spaces (receivers accept the message if any signature verifies — rotation without downtime).
 * @param payload the exact body bytes that will be sent
 * @param secrets `whsec_…` secrets, current first; at least one
 * @param at signing time (default now)
 * @throws Error when `secrets` is empty
 */
export function signWebhook(
  msgId: string,
  payload: string,
  secrets: readonly string[],
  at: Date = new Date(),
): StandardWebhookHeaders {
  if (!secrets.length) throw new Error('no webhook signing secret');
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(msgId, at, payload)).join(' '),
  };
}

/** The tenant's webhook signing state as the API shows it (no secret values). */
export interface WebhookSecretStatus {
  configured: boolean;
  /** When the current secret was set (ISO 8601), null when none. */
  createdAt: string | null;
  /** While a rotation overlaps: until when the previous secret still signs (ISO 8601), else null. */
  previousExpiresAt: string | null;
}

const TYPE = 'webhook_signing' as const;
const NAME = 'Webhook signing secret';

/**
 * Per-tenant signing secrets of the webhooks we send, stored as the tenant's `webhook_signing`
 * integration (so encrypted at rest like every integration secret). Rotation keeps the previous secret
 * signing for an overlap window so receivers can switch without losing a message.
 */
export class WebhookSigningSecrets {
  constructor(private readonly store: IntegrationStore) {}

  /** Whether the tenant has a secret, and the rotation overlap if one is running. */
  async status(tenantId: string): Promise<WebhookSecretStatus> {
    const row = await this.store.loadFirstEnabled(tenantId, TYPE);
    if (!row) return { configured: false, createdAt: null, previousExpiresAt: null };
    return {
      configured: true,
      createdAt: row.updatedAt.toISOString(),
      previousExpiresAt: this.activePrevious(row.config.previousExpiresAt, row.secrets.previous)
        ? row.config.previousExpiresAt
        : null,
    };
  }

  /**
   * Creates the tenant's first secret or rotates it: a new `current`; the old one stays `previous`
   * and keeps signing for `overlapMs` (0 → revoked at once).
   * @returns the new secret (shown to the caller once; only its ciphertext is stored)
   */
  async rotate(
    tenantId: string,
    overlapMs: number,
  ): Promise<{ secret: string; previousExpiresAt: string | null }> {
    const secret = generateWebhookSecret();
    const existing = await this.store.loadFirstEnabled(tenantId, TYPE);
    if (!existing) {
      await this.store.create(tenantId, {
        type: TYPE,
        name: NAME,
        config: { previousExpiresAt: null },
        secrets: { current: secret },
        enabled: true,
      });
      return { secret, previousExpiresAt: null };
    }
    const previousExpiresAt = overlapMs > 0 ? new Date(Date.now() + overlapMs).toISOString() : null;
    await this.store.update(tenantId, existing.id, {
      config: { previousExpiresAt },
      secrets: previousExpiresAt
        ? { current: secret, previous: existing.secrets.current }
        : { current: secret },
    });
    return { secret, previousExpiresAt };
  }

  /** The secrets that sign the tenant's webhooks now (current first, then a previous one still in overlap); [] when none. */
  async activeSecrets(tenantId: string): Promise<string[]> {
    const row = await this.store.loadFirstEnabled(tenantId, TYPE);
    if (!row) return [];
    const prev = this.activePrevious(row.config.previousExpiresAt, row.secrets.previous);
    return prev ? [row.secrets.current, prev] : [row.secrets.current];
  }

  /**
   * The signing secrets of the tenant, creating its first one if it has none — so no webhook is ever sent
   * unsigned. Atomic across replicas: the secret is the tenant's integration named "Webhook signing
   * secret" and `(tenant_id, name)` is unique, so of two concurrent first callbacks one inserts and the
   * other reads the winner's secret. The tenant obtains a secret it can verify with by rotating
   * (`POST /v1/webhook-secret`; the generated one keeps signing during the overlap).
   * @returns current first, then a previous one still in overlap (never empty)
   * @throws Error when the tenant's signing integration exists but is disabled (nothing is sent unsigned)
   */
  async ensureActiveSecrets(tenantId: string): Promise<string[]> {
    const active = await this.activeSecrets(tenantId);
    if (active.length) return active;
    const secret = generateWebhookSecret();
    try {
      await this.store.create(tenantId, {
        type: TYPE,
        name: NAME,
        config: { previousExpiresAt: null },
        secrets: { current: secret },
        enabled: true,
      });
      return [secret];
    } catch (e) {
      if (!(e instanceof DuplicateIntegrationNameError)) throw e;
    }
    const winner = await this.activeSecrets(tenantId);
    if (!winner.length) throw new Error(`tenant ${tenantId}: the webhook signing secret is disabled`);
    return winner;
  }

  private activePrevious(expiresAt: string | null, previous: string | undefined): string | null {
    return previous && expiresAt && Date.parse(expiresAt) > Date.now() ? previous : null;
  }
}
