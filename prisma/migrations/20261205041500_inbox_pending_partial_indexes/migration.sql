-- The inbox's "what is left to do" indexes hold pending messages only. A message is pending
-- for a few milliseconds and processed for the rest of its retention, so the full indexes were
-- almost all history that no query reads: every "pending" statement (the chat's pending rows,
-- "anything to do?", the sweeper's stale search, the pending gauge) asks `processed_at IS NULL`.
-- And the turn that marks a message processed writes a new row version: a full index takes an
-- entry for it, a partial one does not (the new version is outside its predicate) — two index
-- insertions fewer per message, and indexes that stay the size of the backlog.
DROP INDEX "inbound_messages_chat_pending_idx";
CREATE INDEX "inbound_messages_chat_pending_idx" ON "inbound_messages"("channel", "account_id", "chat_id", "id") WHERE "processed_at" IS NULL;

DROP INDEX "inbound_messages_pending_idx";
CREATE INDEX "inbound_messages_pending_idx" ON "inbound_messages"("received_at") WHERE "processed_at" IS NULL;
