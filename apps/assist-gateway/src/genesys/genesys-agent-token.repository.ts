import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  KEY_ENCRYPTION_KEYS,
  SecretsCipher,
  SecretsDecryptionError,
  type KeyEncryptionKeyProvider,
} from '@hub/integrations';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import { z } from 'zod';

/** The Redis record: owner, integration and the sealed token (base64 fields). */
const StoredGrantSchema = z.object({
  tenantId: z.string(),
  userId: z.string(),
  conversationId: z.string(),
  integrationId: z.string(),
  keyId: z.string(),
  ciphertext: z.string(),
  iv: z.string(),
  tag: z.string(),
  wrappedKey: z.string(),
});

/** Whose grant it is: the session claims it was issued with. */
export interface GrantOwner {
  tenantId: string;
  userId: string;
  conversationId: string;
}

/** The agent's Genesys grant kept for the desktop actions of one widget session. */
export interface GenesysAgentGrant {
  /** The `genesys_oauth` integration the agent signed in through (its `apiBaseUrl` is the API). */
  integrationId: string;
  /** OAuth access token of the agent (bearer for the Genesys Cloud Platform API). */
  accessToken: string;
}

/** Longest time a grant is kept when the token response gave no `expires_in`, seconds (Genesys' default token lifetime is 24 h). */
export const GENESYS_GRANT_MAX_TTL_S = 86_400;

/**
 * The agent's own Genesys access token, kept server side after the PKCE sign-in so the widget can act
 * in Genesys as that agent (send a message, save the wrap-up note) without the token ever reaching the
 * browser. Redis key `<ns>assist:genesys-grant:<gid>`, `gid` = 128-bit random id put in the session
 * token's `gid` claim (only the gateway sets it: embed tokens cannot name a grant); the record also holds
 * tenant, user and conversation and is only returned for the same ones. Expires with the token
 * (`expires_in`, at most 24 h).
 * The value is envelope-encrypted with the service's key-encryption keys (`SecretsCipher`, AES-256-GCM,
 * AAD = tenant + integration; docs/security/secrets.md), so a Redis dump holds no usable token.
 */
@Injectable()
export class GenesysAgentTokenRepository {
  private readonly cipher: SecretsCipher;

  constructor(
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(KEY_ENCRYPTION_KEYS) keks: KeyEncryptionKeyProvider,
  ) {
    this.cipher = new SecretsCipher(keks);
  }

  /** Redis key family of the grants (`assist:<prefix>:<gid>`); a vendor reusing this store sets its own. */
  protected readonly prefix: string = 'genesys-grant';
  /** Longest grant lifetime, seconds. */
  protected readonly maxTtlS: number = GENESYS_GRANT_MAX_TTL_S;

  private key(gid: string): string {
    return this.bus.name(`assist:${this.prefix}:${gid}`);
  }

  /**
   * Stores the grant under a new id.
   * @param ttlSeconds the token's `expires_in`; undefined → {@link GENESYS_GRANT_MAX_TTL_S}
   * @returns the grant id (`gid` claim of the session token)
   */
  async save(owner: GrantOwner, grant: GenesysAgentGrant, ttlSeconds?: number): Promise<string> {
    const { tenantId } = owner;
    const gid = randomBytes(16).toString('base64url');
    const sealed = await this.cipher.seal(
      { accessToken: grant.accessToken },
      { tenantId, integrationId: grant.integrationId },
    );
    const value = JSON.stringify({
      ...owner,
      integrationId: grant.integrationId,
      keyId: sealed.keyId,
      ciphertext: sealed.ciphertext.toString('base64'),
      iv: sealed.iv.toString('base64'),
      tag: sealed.tag.toString('base64'),
      wrappedKey: sealed.wrappedKey.toString('base64'),
    });
    const ttl = Math.max(1, Math.min(Math.floor(ttlSeconds ?? this.maxTtlS), this.maxTtlS));
    await this.bus.publisher.set(this.key(gid), value, 'EX', ttl);
    return gid;
  }

  /**
   * The grant `gid` if it belongs to `owner`, or null (unknown or expired id, another tenant / agent /
   * conversation, or no longer decryptable — e.g. the KEK was removed).
   */
  async find(gid: string, owner: GrantOwner): Promise<GenesysAgentGrant | null> {
    const raw = await this.bus.publisher.get(this.key(gid));
    if (!raw) return null;
    const parsed = StoredGrantSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return null;
    const v = parsed.data;
    const { tenantId } = owner;
    if (v.tenantId !== tenantId || v.userId !== owner.userId || v.conversationId !== owner.conversationId)
      return null;
    try {
      const opened = (await this.cipher.open(
        {
          keyId: v.keyId,
          ciphertext: Buffer.from(v.ciphertext, 'base64'),
          iv: Buffer.from(v.iv, 'base64'),
          tag: Buffer.from(v.tag, 'base64'),
          wrappedKey: Buffer.from(v.wrappedKey, 'base64'),
        },
        { tenantId, integrationId: v.integrationId },
      )) as { accessToken: string };
      return { integrationId: v.integrationId, accessToken: opened.accessToken };
    } catch (e) {
      if (e instanceof SecretsDecryptionError) return null;
      throw e;
    }
  }

  /** Forgets the grant (the token was refused by Genesys). */
  async remove(gid: string): Promise<void> {
    await this.bus.publisher.del(this.key(gid));
  }
}
