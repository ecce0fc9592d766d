-- AlterTable
ALTER TABLE "contact_sync_events" ADD COLUMN     "conversation_id" UUID,
ALTER COLUMN "contact_id" DROP NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "contact_sync_events_conversation_once" ON "contact_sync_events"("conversation_id", "event", "created_at");
