-- AlterTable
ALTER TABLE "contacts" ADD COLUMN     "provenance" JSONB;
