import { createHash } from 'node:crypto';

/**
 * The vendor identifier that selects a tenant for an incoming stream, normalised, or null for types
 * that have none. Stored in `integrations.selector` under a unique index per `type`, so a second tenant
 * cannot register the same identifier and capture another tenant's stream.
 * - `ccai`: the Pub/Sub subscription name (`projects/p/subscriptions/s`), lower-cased;
 * - `genesys_audiohook`: `sha256:` + hex SHA-256 of the API key (the key itself is a secret);
 * - `eightbyeight`: `host/tenant` of the Pulsar topic, lower-cased (one reader per 8x8 tenant stream).
 * @returns `{ field, value }` — `field` is the request field a conflict is reported on
 */
export function vendorSelector(
  type: string,
  config: Record<string, unknown>,
  secrets: Record<string, unknown>,
): { field: string; value: string } | null {
  switch (type) {
    case 'ccai':
      return typeof config['subscription'] === 'string'
        ? { field: 'config.subscription', value: config['subscription'].trim().toLowerCase() }
        : null;
    case 'genesys_audiohook':
      return typeof secrets['apiKey'] === 'string'
        ? { field: 'secrets.apiKey', value: `sha256:${sha256Hex(secrets['apiKey'])}` }
        : null;
    case 'eightbyeight':
      return typeof config['host'] === 'string' && typeof config['eightByEightTenant'] === 'string'
        ? {
            field: 'config.eightByEightTenant',
            value: `${config['host'].trim().toLowerCase()}/${config['eightByEightTenant'].trim().toLowerCase()}`,
          }
        : null;
    default:
      return null;
  }
}

/** Hex SHA-256 of a UTF-8 string. */
export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
