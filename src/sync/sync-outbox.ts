// The contact_sync_events outbox, in SQL (src/db/README.md). Queuing happens inside the
// contact write's transaction, so an event exists exactly when its contact change committed.
// Workers claim due events with FOR UPDATE SKIP LOCKED (several workers never take the same
// row at once) and settle each one — event row and contact sync status together — in one
// statement. The contact's sync columns (sync_status, sync_error, synced_at) are this
// outbox's to keep: no other statement writes them after the contact is created.
import type { Prisma } from '../generated/prisma/client.ts';
import { type Fragment, type SqlClient, sql } from '../db/sql.ts';
import { sqlClientOf } from '../db/transaction-sql.ts';
import type { SyncEventName } from './sync-payload.ts';

export interface ClaimedEvent {
  id: string;
  /** Null for conversation events (handoff). */
  contactId: string | null;
  conversationId: string | null;
  event: SyncEventName;
  /** Attempts including this one. */
  attempts: number;
  createdAt: Date;
}

export type Settlement = { kind: 'sent' } | { kind: 'retry'; error: string; delayMs: number } | { kind: 'failed'; error: string };

// The contact's status after an event settles: still 'pending' while a newer event of the
// same contact waits (it carries the newest data), otherwise what this outcome says.
const statusAfter = (id: string, outcome: 'synced' | 'failed') => sql`(CASE WHEN EXISTS (
    SELECT 1 FROM contact_sync_events o WHERE o.contact_id = settled.contact_id AND o.id <> ${id}::bigint AND o.status IN ('pending', 'sending')
  ) THEN 'pending' ELSE ${outcome}::text END)::"SyncStatus"`;

export class SyncOutbox {
  constructor(private readonly db: SqlClient) {}

  /** Queues an event and marks the contact pending, in the caller's transaction. */
  async enqueue(tx: Prisma.TransactionClient, contactId: string, event: SyncEventName): Promise<string> {
    // updated_at stays the time of the last data change (receivers order by it).
    const [row] = await sqlClientOf(tx).query<{ id: string }>(sql`
      WITH queued AS (INSERT INTO contact_sync_events (contact_id, event) VALUES (${contactId}::uuid, ${event}::varchar) RETURNING id),
           marked AS (UPDATE contacts SET sync_status = 'pending' WHERE id = ${contactId}::uuid)
      SELECT id::text AS id FROM queued`);
    return row!.id;
  }

  /** LGPD erasure: nothing about the contact stays queued; with `notify`, the erasure notice is. */
  async replaceWithDeletion(tx: Prisma.TransactionClient, contactId: string, notify: boolean): Promise<void> {
    const db = sqlClientOf(tx);
    await db.query(sql`DELETE FROM contact_sync_events WHERE contact_id = ${contactId}::uuid`);
    if (notify) await db.query(sql`INSERT INTO contact_sync_events (contact_id, event) VALUES (${contactId}::uuid, 'deleted')`);
  }

  /**
   * Queues the `conversation.handoff` notice. Keyed by the conversation and the handoff's time
   * (its created_at), so a turn observed twice still queues one event per handoff.
   */
  async enqueueHandoff(conversationId: string, handoffAt: Date): Promise<boolean> {
    const rows = await this.db.query(sql`
      INSERT INTO contact_sync_events (conversation_id, event, created_at) VALUES (${conversationId}::uuid, 'handoff', ${handoffAt}::timestamptz)
      ON CONFLICT DO NOTHING RETURNING 1`);
    return rows.length === 1;
  }

  /**
   * Takes up to `limit` due events: pending ones whose time has come, and 'sending' ones
   * whose claim expired (their worker died). The claim pushes next_attempt_at past the claim
   * timeout, so the row is ours until then.
   */
  async claim(limit: number, claimTimeoutMs: number): Promise<ClaimedEvent[]> {
    const rows = await this.db.query<{ id: string; contactId: string | null; conversationId: string | null; event: string; attempts: number; createdAt: Date }>(sql`
      UPDATE contact_sync_events
         SET status = 'sending', attempts = attempts + 1, next_attempt_at = now() + ${claimTimeoutMs}::int * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM contact_sync_events
          WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id
          LIMIT ${limit}::int
          FOR UPDATE SKIP LOCKED)
      RETURNING id::text AS id, contact_id::text AS "contactId", conversation_id::text AS "conversationId", event, attempts, created_at AS "createdAt"`);
    return rows.map((r) => ({ ...r, event: r.event as SyncEventName, attempts: Number(r.attempts), createdAt: new Date(r.createdAt) }));
  }

  /**
   * Records an attempt's outcome: the event row and the contact's status in one statement.
   * A retry/failure only applies while the claim is still ours (same attempt number); a
   * delivery is recorded whatever happened meanwhile, since it did reach the receiver.
   * Conversation events have no contact whose status to keep.
   */
  async settle(event: ClaimedEvent, outcome: Settlement): Promise<void> {
    const { id, attempts } = event;
    const ours = sql`id = ${id}::bigint AND status = 'sending' AND attempts = ${attempts}::int`;
    let settle: Fragment;
    let contact: Fragment;
    if (outcome.kind === 'sent') {
      settle = sql`UPDATE contact_sync_events SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = ${id}::bigint AND status <> 'sent'`;
      contact = sql`sync_status = ${statusAfter(id, 'synced')}, synced_at = now(), sync_error = NULL`;
    } else if (outcome.kind === 'retry') {
      settle = sql`UPDATE contact_sync_events SET status = 'pending', last_error = ${outcome.error}::text,
        next_attempt_at = now() + ${Math.round(outcome.delayMs)}::int * interval '1 millisecond' WHERE ${ours}`;
      // Still pending, but the operator sees why it is late.
      contact = sql`sync_error = ${outcome.error}::text`;
    } else {
      settle = sql`UPDATE contact_sync_events SET status = 'failed', last_error = ${outcome.error}::text WHERE ${ours}`;
      contact = sql`sync_status = ${statusAfter(id, 'failed')}, sync_error = ${outcome.error}::text`;
    }
    await this.db.query(sql`
      WITH settled AS (${settle} RETURNING contact_id)
      UPDATE contacts SET ${contact} FROM settled WHERE contacts.id = settled.contact_id`);
  }

  /** Drops an event whose contact no longer exists (erased between claim and send). */
  async discard(event: ClaimedEvent): Promise<void> {
    await this.db.query(sql`DELETE FROM contact_sync_events WHERE id = ${event.id}::bigint`);
  }

  /** Events not yet delivered nor given up (the backlog gauge). */
  async countBacklog(): Promise<number> {
    const [row] = await this.db.query<{ n: unknown }>(sql`SELECT count(*) AS n FROM contact_sync_events WHERE status IN ('pending', 'sending')`);
    return Number(row?.n ?? 0);
  }
}
