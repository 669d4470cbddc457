/** `IntegrationView` of the orchestrator (secrets redacted: only the names of the set ones). */
export interface Integration {
  id: string;
  type: string;
  name: string;
  config: Record<string, unknown>;
  secretFields: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** `POST /v1/integrations/{id}/test` → `TestConnectionReport`. */
export interface TestReport {
  ok: boolean;
  steps: { step: string; ok: boolean; detail?: string }[];
  failedStep?: string;
}

/** `GET /v1/integrations/{id}/queues|flows` → `PlatformQueue[]`. */
export interface PlatformEntry {
  id: string;
  name: string;
  kind?: 'queue' | 'flow' | 'skill_group' | 'script';
  published?: boolean;
}
