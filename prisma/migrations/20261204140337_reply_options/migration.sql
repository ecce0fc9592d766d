-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "options" JSONB;

-- AlterTable
ALTER TABLE "web_chat_messages" ADD COLUMN     "options" JSONB;
