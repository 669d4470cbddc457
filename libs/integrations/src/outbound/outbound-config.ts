import { z } from 'zod';
import { OutboundUrlPolicy, type HostResolver } from './outbound-url-policy';

const bool = () => z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Environment of the outbound URL policy for tenant-configured hosts (LLM `baseUrl`, Genesys, 8x8,
 * CCaaS adapters), merged into each service config that calls them:
 * - `OUTBOUND_ALLOW_HTTP` (default false): accept `http:`/`ws:` as well as `https:`/`wss:`;
 * - `OUTBOUND_ALLOW_PRIVATE_NETWORKS` (default false): let calls reach loopback, RFC 1918, link-local
 *   (cloud metadata), ULA … addresses — development and tests with local servers only;
 * - `OUTBOUND_ALLOWED_HOSTS`: comma-separated host suffixes every such host must match (empty → any
 *   public host).
 */
export const OutboundConfigSchema = z.object({
  OUTBOUND_ALLOW_HTTP: bool().default(false),
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: bool().default(false),
  OUTBOUND_ALLOWED_HOSTS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((h) =>
          h
            .trim()
            .toLowerCase()
            .replace(/^\*?\./, ''),
        )
        .filter(Boolean),
    )
    .pipe(z.array(z.hostname({ error: 'each entry must be a host name or suffix such as example.com' })))
    .default([]),
});
export type OutboundConfig = z.infer<typeof OutboundConfigSchema>;

/** The {@link OutboundUrlPolicy} of a validated {@link OutboundConfig}. */
export function outboundPolicyFromConfig(c: OutboundConfig, resolver?: HostResolver): OutboundUrlPolicy {
  return new OutboundUrlPolicy(
    {
      allowHttp: c.OUTBOUND_ALLOW_HTTP,
      allowPrivateNetworks: c.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
      allowedHostSuffixes: c.OUTBOUND_ALLOWED_HOSTS,
    },
    resolver,
  );
}
