-- AlterTable
-- Protocols were the first hex digits of the contact id; now each contact (and each update
-- request) gets a random code of an alphabet without look-alikes (no 0/O, 1/I/L), short
-- enough to read over the phone: 31^8 ≈ 8.5e11 codes, and a rare collision on the unique
-- index makes the writer retry (src/contacts/contact-service.ts). Existing rows get 12
-- characters so that backfilling a large table cannot collide at all in practice.
CREATE FUNCTION new_protocol(len integer) RETURNS varchar LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + floor(random() * 31)::int, 1), '') FROM generate_series(1, len)
$$;
ALTER TABLE "contacts" ADD COLUMN     "protocol" VARCHAR(12);
UPDATE "contacts" SET "protocol" = new_protocol(12);
ALTER TABLE "contacts" ALTER COLUMN "protocol" SET NOT NULL,
                       ALTER COLUMN "protocol" SET DEFAULT new_protocol(8);

-- CreateTable
CREATE TABLE "contact_update_requests" (
    "id" UUID NOT NULL,
    "contact_id" UUID NOT NULL,
    "protocol" VARCHAR(12) NOT NULL DEFAULT new_protocol(8),
    "name" VARCHAR(200) NOT NULL,
    "phone" VARCHAR(16) NOT NULL,
    "email" VARCHAR(254),
    "reason" VARCHAR(1000) NOT NULL,
    "source_channel" VARCHAR(32) NOT NULL,
    "source_chat_id" VARCHAR(128),
    "conversation_id" UUID,
    "consent_at" TIMESTAMPTZ(3),
    "idempotency_key" VARCHAR(300),
    "status" VARCHAR(16) NOT NULL DEFAULT 'pending',
    "decided_by" VARCHAR(64),
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_update_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "contact_update_requests_protocol_key" ON "contact_update_requests"("protocol");

-- CreateIndex
CREATE UNIQUE INDEX "contact_update_requests_idempotency_key_key" ON "contact_update_requests"("idempotency_key");

-- CreateIndex
CREATE INDEX "contact_update_requests_contact_idx" ON "contact_update_requests"("contact_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "contact_update_requests_status_idx" ON "contact_update_requests"("status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "contacts_protocol_key" ON "contacts"("protocol");

-- AddForeignKey
ALTER TABLE "contact_update_requests" ADD CONSTRAINT "contact_update_requests_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
