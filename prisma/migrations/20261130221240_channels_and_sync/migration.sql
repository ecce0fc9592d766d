-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "asks" VARCHAR(16),
ADD COLUMN     "asks_mode" VARCHAR(16),
ADD COLUMN     "provider_message_id" VARCHAR(300),
ADD COLUMN     "provider_status" VARCHAR(16),
ADD COLUMN     "provider_status_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "whatsapp_auth_keys" (
    "session" VARCHAR(64) NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "key_id" VARCHAR(300) NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "whatsapp_auth_keys_pkey" PRIMARY KEY ("session","type","key_id")
);

-- CreateTable
CREATE TABLE "channel_state" (
    "channel" VARCHAR(32) NOT NULL,
    "account_id" VARCHAR(128) NOT NULL,
    "key" VARCHAR(64) NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_state_pkey" PRIMARY KEY ("channel","account_id","key")
);

-- CreateTable
CREATE TABLE "contact_sync_events" (
    "id" BIGSERIAL NOT NULL,
    "contact_id" UUID NOT NULL,
    "event" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" VARCHAR(500),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "contact_sync_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "contact_sync_events_due_idx" ON "contact_sync_events"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "contact_sync_events_contact_id_idx" ON "contact_sync_events"("contact_id");

-- CreateIndex
CREATE INDEX "outbound_messages_provider_id_idx" ON "outbound_messages"("channel", "provider_message_id");
