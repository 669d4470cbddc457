-- Agent Assist (suggestion-service): knowledge bases, documents, chunks with full-text search,
-- term statistics, upload jobs, queue-to-KB mapping, tenant defaults, interaction context windows.
CREATE TABLE "knowledge_bases" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "document_count" INTEGER NOT NULL DEFAULT 0,
    "chunk_count" INTEGER NOT NULL DEFAULT 0,
    "avg_chunk_length" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "embedding_integration_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "knowledge_bases_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "knowledge_bases_tenant_id_name_key" ON "knowledge_bases"("tenant_id", "name");

CREATE TABLE "kb_documents" (
    "id" UUID NOT NULL,
    "knowledge_base_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "entity" TEXT,
    "format" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "kb_documents_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "kb_documents_knowledge_base_id_external_id_key" ON "kb_documents"("knowledge_base_id", "external_id");
CREATE INDEX "kb_documents_knowledge_base_id_entity_idx" ON "kb_documents"("knowledge_base_id", "entity");
ALTER TABLE "kb_documents" ADD CONSTRAINT "kb_documents_knowledge_base_id_fkey" FOREIGN KEY ("knowledge_base_id") REFERENCES "knowledge_bases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- tsv: title (A) and entity (B) weigh more than the body text (D); language configuration 'english'.
CREATE TABLE "kb_chunks" (
    "id" UUID NOT NULL,
    "document_id" UUID NOT NULL,
    "knowledge_base_id" UUID NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "entity_key" TEXT,
    "text" TEXT NOT NULL,
    "length" INTEGER NOT NULL,
    "tsv" tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce("title", '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce("entity_key", '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, "text"), 'D')
    ) STORED,
    "embedding" REAL[],
    CONSTRAINT "kb_chunks_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "kb_chunks_document_id_ordinal_key" ON "kb_chunks"("document_id", "ordinal");
CREATE INDEX "kb_chunks_knowledge_base_id_entity_key_idx" ON "kb_chunks"("knowledge_base_id", "entity_key");
CREATE INDEX "kb_chunks_tsv_idx" ON "kb_chunks" USING GIN ("tsv");
ALTER TABLE "kb_chunks" ADD CONSTRAINT "kb_chunks_document_id_fkey" FOREIGN KEY ("document_id") REFERENCES "kb_documents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "kb_terms" (
    "knowledge_base_id" UUID NOT NULL,
    "lexeme" TEXT NOT NULL,
    "document_freq" INTEGER NOT NULL,
    CONSTRAINT "kb_terms_pkey" PRIMARY KEY ("knowledge_base_id","lexeme")
);

CREATE TABLE "kb_uploads" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "knowledge_base_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "total_bytes" BIGINT,
    "processed_bytes" BIGINT NOT NULL DEFAULT 0,
    "processed_documents" INTEGER NOT NULL DEFAULT 0,
    "chunks" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "kb_uploads_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "kb_uploads_knowledge_base_id_started_at_idx" ON "kb_uploads"("knowledge_base_id", "started_at");

CREATE TABLE "queue_kb_mappings" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "queue_name" TEXT NOT NULL,
    "queue_key" TEXT NOT NULL,
    "knowledge_base_id" UUID NOT NULL,
    "system_prompt" TEXT,
    "llm_integration_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "queue_kb_mappings_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "queue_kb_mappings_tenant_id_queue_key_key" ON "queue_kb_mappings"("tenant_id", "queue_key");

CREATE TABLE "tenant_assist_settings" (
    "tenant_id" TEXT NOT NULL,
    "default_knowledge_base_id" UUID,
    "default_system_prompt" TEXT,
    "llm_integration_id" UUID,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "tenant_assist_settings_pkey" PRIMARY KEY ("tenant_id")
);

CREATE TABLE "interaction_contexts" (
    "tenant_id" TEXT NOT NULL,
    "interaction_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "queue" TEXT,
    "agent_id" TEXT,
    "utterances" JSONB NOT NULL DEFAULT '[]',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "interaction_contexts_pkey" PRIMARY KEY ("tenant_id","interaction_id")
);
