-- AlterTable
ALTER TABLE "inbound_messages" ADD COLUMN     "sender_username" VARCHAR(64);
