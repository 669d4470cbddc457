-- agent-gateway: the bytes of shared files in PostgreSQL, so every gateway replica serves every file
-- (FILE_STORAGE_BACKEND=postgres). Size-capped here as a backstop to FILE_MAX_BYTES (100 MiB).
CREATE TABLE "file_contents" (
  "storage_key" TEXT NOT NULL,
  "tenant_id" TEXT NOT NULL,
  "bytes" BYTEA NOT NULL,
  "size_bytes" INTEGER NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "file_contents_pkey" PRIMARY KEY ("storage_key"),
  CONSTRAINT "file_contents_size_check" CHECK ("size_bytes" = octet_length("bytes") AND "size_bytes" <= 104857600)
);
CREATE INDEX "file_contents_tenant_id_idx" ON "file_contents" ("tenant_id");
