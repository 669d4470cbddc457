import type { IntegrationSummary } from '@hub/integrations';

/** An integration as the API returns it: secrets are never returned, only the names of those set. */
export interface IntegrationView {
  id: string;
  type: string;
  name: string;
  config: unknown;
  /** Names of the secret fields that hold a value (values are write-only). */
  secretFields: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Presents an integration for API responses (the summary carries no secret values at all). */
export function presentIntegration(row: IntegrationSummary): IntegrationView {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    config: row.config,
    secretFields: row.secretFields,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
