-- API keys of tenants (owned by @hub/auth). The secret is never stored: `secret_sha256` is SHA-256 of the
-- 256-bit random secret; `prefix` (public, unique) finds the row. Rotation creates a new row and shortens
-- the old one's expires_at to the grace expiry; `replaced_by` links them.
CREATE TABLE "api_keys" (
  "id"           UUID PRIMARY KEY,
  "tenant_id"    TEXT NOT NULL REFERENCES "tenants" ("id") ON DELETE CASCADE,
  "name"         TEXT NOT NULL,
  "prefix"       TEXT NOT NULL UNIQUE,
  "secret_sha256" BYTEA NOT NULL,
  "scopes"       TEXT[] NOT NULL,
  "expires_at"   TIMESTAMPTZ(3),
  "created_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "last_used_at" TIMESTAMPTZ(3),
  "revoked_at"   TIMESTAMPTZ(3),
  "replaced_by"  UUID REFERENCES "api_keys" ("id") ON DELETE SET NULL
);
CREATE INDEX "api_keys_tenant_idx" ON "api_keys" ("tenant_id", "created_at");
