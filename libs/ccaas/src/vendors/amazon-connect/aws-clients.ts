import { createHash } from 'node:crypto';
import { ConnectClient } from '@aws-sdk/client-connect';
import { ConnectParticipantClient } from '@aws-sdk/client-connectparticipant';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AmazonConnectConfig, AmazonConnectSecrets, OutboundUrlPolicy } from '@hub/integrations';
import { OutboundUrlRefusedError } from '@hub/integrations';
import { TargetError, type TargetIntegration } from '../../core/target';
import { toTargetError } from './errors';

/** AWS credentials as the SDK takes them (`@smithy/types` AwsCredentialIdentity). */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

/** Temporary credentials are refreshed this long before they expire, ms. */
export const CREDENTIALS_REFRESH_BEFORE_MS = 5 * 60_000;
/** Requested lifetime of assumed-role credentials, s (STS minimum 900). */
export const ASSUME_ROLE_DURATION_S = 3600;

export type ConnectIntegration = TargetIntegration<AmazonConnectConfig, AmazonConnectSecrets>;

/** The three SDK clients one integration uses (Connect, Participant Service, STS for role assumption). */
export interface ConnectClients {
  connect: ConnectClient;
  participant: ConnectParticipantClient;
  credentials: AwsCredentialIdentityProvider;
}

/**
 * STS `AssumeRole` credentials of `roleArn` (+ `ExternalId`), cached and refreshed
 * {@link CREDENTIALS_REFRESH_BEFORE_MS} before `Expiration`. Concurrent callers share one refresh.
 * @throws TargetError `auth` (field `config.roleArn`) when STS refuses, `unavailable` when STS is down
 */
export function assumeRoleProvider(
  sts: STSClient,
  roleArn: string,
  externalId: string | undefined,
  sessionName: string,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider & { refreshes: () => number } {
  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let refreshes = 0;
  const fresh = () =>
    cached?.expiration !== undefined && cached.expiration.getTime() - CREDENTIALS_REFRESH_BEFORE_MS > now();
  const provider = async (): Promise<AwsCredentialIdentity> => {
    if (cached && fresh()) return cached;
    pending ??= (async () => {
      try {
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: sessionName,
            ExternalId: externalId,
            DurationSeconds: ASSUME_ROLE_DURATION_S,
          }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) {
          throw new TargetError('auth', 'AssumeRole returned no credentials', 'config.roleArn');
        }
        refreshes++;
        cached = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration ? new Date(c.Expiration) : new Date(now() + ASSUME_ROLE_DURATION_S * 1000),
        };
        return cached;
      } catch (e) {
        const t = toTargetError(e, 'sts:AssumeRole', 'config.roleArn');
        throw t.kind === 'auth' || t.kind === 'invalid'
          ? new TargetError('auth', t.message, 'config.roleArn', t.vendorCode)
          : t;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
  return Object.assign(provider, { refreshes: () => refreshes });
}

/**
 * Builds and caches SDK clients per integration (keyed by id + a hash of config and secrets, so an
 * edited integration gets new clients). SDK-level retries are off (`maxAttempts: 1`): the orchestrator's
 * failure policy retries throttling and outages with backoff. The `endpoint` override, when set, is
 * vetted by the outbound URL policy before every client build (scheme, host allow-list, address ranges).
 */
export class ConnectClientFactory {
  private readonly cache = new Map<string, { key: string; clients: ConnectClients }>();

  constructor(
    private readonly policy: OutboundUrlPolicy,
    private readonly opts: { requestTimeoutMs?: number } = {},
  ) {}

  /**
   * @throws TargetError `invalid` (field `config.endpoint`) when the policy refuses the endpoint, or
   *         `auth` (field `secrets`) when the integration has neither keys nor a role
   */
  async clients(integration: ConnectIntegration): Promise<ConnectClients> {
    const { config, secrets } = integration;
    const key = createHash('sha256')
      .update(JSON.stringify([config, secrets]))
      .digest('hex');
    const hit = this.cache.get(integration.id);
    if (hit && hit.key === key) return hit.clients;
    const endpoint = config.endpoint ? await this.vetEndpoint(config.endpoint) : undefined;
    if (!config.roleArn && !secrets.accessKeyId) {
      throw new TargetError(
        'auth',
        'set secrets.accessKeyId + secrets.secretAccessKey, or config.roleArn',
        'secrets',
      );
    }
    const base: AwsCredentialIdentity | undefined =
      secrets.accessKeyId && secrets.secretAccessKey
        ? { accessKeyId: secrets.accessKeyId, secretAccessKey: secrets.secretAccessKey }
        : undefined;
    const common = {
      region: config.region,
      endpoint,
      maxAttempts: 1,
      requestHandler: { requestTimeout: this.opts.requestTimeoutMs ?? 10_000, connectionTimeout: 5_000 },
    };
    const credentials: AwsCredentialIdentityProvider = config.roleArn
      ? assumeRoleProvider(
          new STSClient({ ...common, ...(base ? { credentials: base } : {}) }),
          config.roleArn,
          config.externalId,
          `omnibots-${integration.id.slice(0, 8)}`,
        )
      : async () => base as AwsCredentialIdentity;
    const clients: ConnectClients = {
      connect: new ConnectClient({ ...common, credentials }),
      // The Participant Service authenticates with participant/connection tokens, not SigV4; the SDK
      // still wants credentials configured.
      participant: new ConnectParticipantClient({ ...common, credentials }),
      credentials,
    };
    hit?.clients.connect.destroy();
    hit?.clients.participant.destroy();
    this.cache.set(integration.id, { key, clients });
    return clients;
  }

  /** Closes every cached client's sockets. */
  destroy(): void {
    for (const { clients } of this.cache.values()) {
      clients.connect.destroy();
      clients.participant.destroy();
    }
    this.cache.clear();
  }

  private async vetEndpoint(raw: string): Promise<string> {
    try {
      const url = this.policy.checkUrl(raw);
      await this.policy.resolve(url);
      return url.toString().replace(/\/$/, '');
    } catch (e) {
      if (e instanceof OutboundUrlRefusedError) {
        throw new TargetError('invalid', `endpoint refused: ${e.message}`, 'config.endpoint');
      }
      throw new TargetError('unavailable', `endpoint ${raw}: ${(e as Error).message}`, 'config.endpoint');
    }
  }
}
