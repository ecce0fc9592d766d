-- CreateTable
CREATE TABLE "conversations" (
    "id" UUID NOT NULL,
    "channel" VARCHAR(32) NOT NULL,
    "account_id" VARCHAR(128) NOT NULL,
    "chat_id" VARCHAR(160) NOT NULL,
    "mode" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "sender_id" VARCHAR(160) NOT NULL,
    "attendant_user_id" UUID,
    "contact_id" UUID,
    "snapshot" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL,
    "closed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbound_messages" (
    "id" BIGSERIAL NOT NULL,
    "channel" VARCHAR(32) NOT NULL,
    "account_id" VARCHAR(128) NOT NULL,
    "message_id" VARCHAR(300) NOT NULL,
    "chat_id" VARCHAR(160) NOT NULL,
    "sender_id" VARCHAR(160) NOT NULL,
    "sender_phone" VARCHAR(16),
    "sender_name" VARCHAR(200),
    "staff_user_id" UUID,
    "kind" VARCHAR(32) NOT NULL,
    "text" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "conversation_id" UUID,
    "processed_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" VARCHAR(200),
    "raw" JSONB,

    CONSTRAINT "inbound_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_messages" (
    "id" BIGSERIAL NOT NULL,
    "conversation_id" UUID NOT NULL,
    "channel" VARCHAR(32) NOT NULL,
    "account_id" VARCHAR(128) NOT NULL,
    "chat_id" VARCHAR(160) NOT NULL,
    "idempotency_key" VARCHAR(300) NOT NULL,
    "text" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" VARCHAR(200),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbound_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contact_saves" (
    "idempotency_key" VARCHAR(300) NOT NULL,
    "conversation_id" UUID NOT NULL,
    "contact_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_saves_pkey" PRIMARY KEY ("idempotency_key")
);

-- CreateTable
CREATE TABLE "web_chat_messages" (
    "id" BIGSERIAL NOT NULL,
    "chat_id" VARCHAR(160) NOT NULL,
    "idempotency_key" VARCHAR(300) NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_chat_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "conversations_chat_created_at_idx" ON "conversations"("channel", "account_id", "chat_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "conversations_created_at_id_idx" ON "conversations"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "conversations_status_activity_idx" ON "conversations"("status", "last_activity_at");

-- CreateIndex
CREATE INDEX "conversations_contact_id_idx" ON "conversations"("contact_id");

-- CreateIndex
CREATE INDEX "inbound_messages_chat_pending_idx" ON "inbound_messages"("channel", "account_id", "chat_id", "processed_at", "id");

-- CreateIndex
CREATE INDEX "inbound_messages_pending_idx" ON "inbound_messages"("processed_at", "received_at");

-- CreateIndex
CREATE INDEX "inbound_messages_conversation_id_id_idx" ON "inbound_messages"("conversation_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_messages_dedupe_key" ON "inbound_messages"("channel", "account_id", "message_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbound_messages_idempotency_key_key" ON "outbound_messages"("idempotency_key");

-- CreateIndex
CREATE INDEX "outbound_messages_due_idx" ON "outbound_messages"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "outbound_messages_chat_status_idx" ON "outbound_messages"("channel", "account_id", "chat_id", "status", "id");

-- CreateIndex
CREATE INDEX "outbound_messages_conversation_id_id_idx" ON "outbound_messages"("conversation_id", "id");

-- CreateIndex
CREATE INDEX "contact_saves_contact_id_idx" ON "contact_saves"("contact_id");

-- CreateIndex
CREATE UNIQUE INDEX "web_chat_messages_idempotency_key_key" ON "web_chat_messages"("idempotency_key");

-- CreateIndex
CREATE INDEX "web_chat_messages_chat_id_id_idx" ON "web_chat_messages"("chat_id", "id");
