import type { IntegrationModel as Integration } from '@hub/persistence';

/** An integration as the API returns it: secrets are never returned, only the names of those set. */
export interface IntegrationView {
  id: string;
  type: string;
  name: string;
  config: unknown;
  /** Names of the secret fields that hold a value (values are redacted). */
  secretFields: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Redacts an integration row for API responses. */
export function presentIntegration(row: Integration): IntegrationView {
  const secrets = (row.secrets ?? {}) as Record<string, unknown>;
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    config: row.config,
    secretFields: Object.keys(secrets)
      .filter((k) => secrets[k] !== undefined && secrets[k] !== null && secrets[k] !== '')
      .sort(),
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
