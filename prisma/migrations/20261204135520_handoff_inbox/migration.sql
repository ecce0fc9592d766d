-- AlterTable
ALTER TABLE "conversations" ADD COLUMN     "claimed_at" TIMESTAMPTZ(3),
ADD COLUMN     "claimed_by" UUID,
ADD COLUMN     "handoff_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "author_user_id" UUID;

-- CreateTable
CREATE TABLE "conversation_events" (
    "id" BIGSERIAL NOT NULL,
    "conversation_id" UUID NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conversation_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stream_tickets" (
    "ticket_hash" CHAR(64) NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "stream_tickets_pkey" PRIMARY KEY ("ticket_hash")
);

-- CreateIndex
CREATE INDEX "conversation_events_created_at_idx" ON "conversation_events"("created_at");

-- CreateIndex
CREATE INDEX "stream_tickets_expires_at_idx" ON "stream_tickets"("expires_at");

-- CreateIndex
CREATE INDEX "conversations_status_handoff_idx" ON "conversations"("status", "handoff_at");
