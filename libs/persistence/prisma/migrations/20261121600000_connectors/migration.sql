-- connectors.prisma: resume cursors of vendor stream readers (connector-8x8).
CREATE TABLE "connector_cursors" (
    "integration_id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "connector" TEXT NOT NULL,
    "last_message_id" TEXT NOT NULL,
    "processed" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "connector_cursors_pkey" PRIMARY KEY ("integration_id")
);

CREATE INDEX "connector_cursors_tenant_id_idx" ON "connector_cursors"("tenant_id");
