-- Agent gateway: live chat log and shared files.
CREATE TABLE "conversation_messages" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "work_item_id" UUID,
    "message_id" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "sender_role" TEXT NOT NULL,
    "sender_id" TEXT,
    "sender_name" TEXT,
    "kind" TEXT NOT NULL,
    "text" TEXT,
    "file" JSONB,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "conversation_messages_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "conversation_messages_tenant_id_conversation_id_message_id_key" ON "conversation_messages"("tenant_id", "conversation_id", "message_id");
CREATE INDEX "conversation_messages_tenant_id_conversation_id_sent_at_idx" ON "conversation_messages"("tenant_id", "conversation_id", "sent_at");

CREATE TABLE "stored_files" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "work_item_id" UUID NOT NULL,
    "uploaded_by" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storage_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "stored_files_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "stored_files_tenant_id_conversation_id_idx" ON "stored_files"("tenant_id", "conversation_id");
