-- Integration secrets encrypted at rest (envelope encryption, @hub/integrations IntegrationStore).
-- SQL cannot encrypt: plaintext secrets move to `legacy_secrets` and are encrypted and cleared by the
-- first `npm run secrets:rotate` (the handoff orchestrator also runs it at start). A later migration drops
-- `legacy_secrets` once every deployment has run it (docs/security/secrets.md "Upgrading").
ALTER TABLE "integrations" RENAME COLUMN "secrets" TO "legacy_secrets";
ALTER TABLE "integrations" ALTER COLUMN "legacy_secrets" DROP NOT NULL, ALTER COLUMN "legacy_secrets" DROP DEFAULT;
ALTER TABLE "integrations"
  ADD COLUMN "secret_fields" TEXT[] NOT NULL DEFAULT '{}',
  ADD COLUMN "secrets_ciphertext" BYTEA,
  ADD COLUMN "secrets_iv" BYTEA,
  ADD COLUMN "secrets_tag" BYTEA,
  ADD COLUMN "secrets_wrapped_key" BYTEA,
  ADD COLUMN "secrets_key_id" TEXT,
  -- The vendor identifier that selects the tenant of an incoming stream (normalised; a hash for secrets).
  ADD COLUMN "selector" TEXT;
UPDATE "integrations" SET "legacy_secrets" = NULL WHERE "legacy_secrets" = '{}'::jsonb;
UPDATE "integrations" SET "secret_fields" = ARRAY(
  SELECT k FROM jsonb_each("legacy_secrets") AS e(k, v)
  WHERE v IS NOT NULL AND v <> 'null'::jsonb AND v <> '""'::jsonb ORDER BY k)
WHERE "legacy_secrets" IS NOT NULL AND jsonb_typeof("legacy_secrets") = 'object';
UPDATE "integrations" SET "selector" = CASE "type"
  WHEN 'ccai' THEN lower(trim("config"->>'subscription'))
  WHEN 'genesys_audiohook' THEN 'sha256:' || encode(sha256(convert_to("legacy_secrets"->>'apiKey', 'UTF8')), 'hex')
  WHEN 'eightbyeight' THEN lower(trim("config"->>'host')) || '/' || lower(trim("config"->>'eightByEightTenant'))
END;
-- One tenant per vendor identifier: a second tenant cannot capture another's stream.
CREATE UNIQUE INDEX "integrations_type_selector_key" ON "integrations"("type", "selector");
