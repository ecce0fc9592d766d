// The contact_sync_events outbox. Queuing happens inside the contact write's transaction, so
// an event exists exactly when its contact change committed. Workers claim due events with
// FOR UPDATE SKIP LOCKED (several workers never take the same row at once) and settle each
// one — event row and contact status together — in one transaction.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
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
const contactStatus = (outcome: 'synced' | 'failed') => `(CASE WHEN EXISTS (
    SELECT 1 FROM contact_sync_events o WHERE o.contact_id = $1::uuid AND o.id <> $2::bigint AND o.status IN ('pending', 'sending')
  ) THEN 'pending' ELSE '${outcome}' END)::"SyncStatus"`;

export class SyncOutbox {
  constructor(private readonly prisma: PrismaClient) {}

  /** Queues an event and marks the contact pending, in the caller's transaction. */
  async enqueue(tx: Prisma.TransactionClient, contactId: string, event: SyncEventName): Promise<string> {
    const row = await tx.contactSyncEvent.create({ data: { contactId, event }, select: { id: true } });
    // Raw SQL so updated_at stays the time of the last data change (receivers order by it).
    await tx.$executeRaw`UPDATE contacts SET sync_status = 'pending' WHERE id = ${contactId}::uuid`;
    return row.id.toString();
  }

  /** LGPD erasure: nothing about the contact stays queued. */
  async deleteFor(tx: Prisma.TransactionClient, contactId: string): Promise<void> {
    await tx.contactSyncEvent.deleteMany({ where: { contactId } });
  }

  /** Queues the erasure notice (in the erasure's transaction); there is no contact to mark. */
  async enqueueDeletion(tx: Prisma.TransactionClient, contactId: string): Promise<void> {
    await tx.contactSyncEvent.create({ data: { contactId, event: 'deleted' }, select: { id: true } });
  }

  /**
   * Queues the `conversation.handoff` notice. Keyed by the conversation and the handoff's time
   * (its created_at), so a turn observed twice still queues one event per handoff.
   */
  async enqueueHandoff(conversationId: string, handoffAt: Date): Promise<boolean> {
    const queued = await this.prisma.contactSyncEvent.createMany({ data: [{ conversationId, event: 'handoff', createdAt: handoffAt }], skipDuplicates: true });
    return queued.count === 1;
  }

  /**
   * Takes up to `limit` due events: pending ones whose time has come, and 'sending' ones
   * whose claim expired (their worker died). The claim pushes next_attempt_at past the claim
   * timeout, so the row is ours until then.
   */
  async claim(limit: number, claimTimeoutMs: number): Promise<ClaimedEvent[]> {
    const rows = await this.prisma.$queryRaw<{ id: string; contactId: string | null; conversationId: string | null; event: string; attempts: number; createdAt: Date }[]>`
      UPDATE contact_sync_events
         SET status = 'sending', attempts = attempts + 1, next_attempt_at = now() + ${claimTimeoutMs}::int * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM contact_sync_events
          WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id
          LIMIT ${limit}::int
          FOR UPDATE SKIP LOCKED)
      RETURNING id::text AS id, contact_id::text AS "contactId", conversation_id::text AS "conversationId", event, attempts, created_at AS "createdAt"`;
    return rows.map((r) => ({ ...r, event: r.event as SyncEventName, attempts: Number(r.attempts) }));
  }

  /**
   * Records an attempt's outcome: the event row and the contact's status in one transaction.
   * A retry/failure only applies while the claim is still ours (same attempt number); a
   * delivery is recorded whatever happened meanwhile, since it did reach the receiver.
   * Conversation events have no contact whose status to keep.
   */
  async settle(event: ClaimedEvent, outcome: Settlement): Promise<void> {
    const { id, contactId, attempts } = event;
    await this.prisma.$transaction(async (tx) => {
      if (outcome.kind === 'sent') {
        const n = await tx.$executeRaw`
          UPDATE contact_sync_events SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = ${id}::bigint AND status <> 'sent'`;
        if (n && contactId) {
          await tx.$executeRawUnsafe(
            `UPDATE contacts SET sync_status = ${contactStatus('synced')}, synced_at = now(), sync_error = NULL WHERE id = $1::uuid`,
            contactId,
            id,
          );
        }
        return;
      }
      if (outcome.kind === 'retry') {
        const n = await tx.$executeRaw`
          UPDATE contact_sync_events
             SET status = 'pending', last_error = ${outcome.error}, next_attempt_at = now() + ${Math.round(outcome.delayMs)}::int * interval '1 millisecond'
           WHERE id = ${id}::bigint AND status = 'sending' AND attempts = ${attempts}::int`;
        // Still pending, but the operator sees why it is late.
        if (n && contactId) await tx.$executeRaw`UPDATE contacts SET sync_error = ${outcome.error} WHERE id = ${contactId}::uuid`;
        return;
      }
      const n = await tx.$executeRaw`
        UPDATE contact_sync_events SET status = 'failed', last_error = ${outcome.error}
         WHERE id = ${id}::bigint AND status = 'sending' AND attempts = ${attempts}::int`;
      if (n && contactId) {
        await tx.$executeRawUnsafe(`UPDATE contacts SET sync_status = ${contactStatus('failed')}, sync_error = $3 WHERE id = $1::uuid`, contactId, id, outcome.error);
      }
    });
  }

  /** Drops an event whose contact no longer exists (erased between claim and send). */
  async discard(event: ClaimedEvent): Promise<void> {
    await this.prisma.contactSyncEvent.deleteMany({ where: { id: BigInt(event.id) } });
  }

  /** Events not yet delivered nor given up (the backlog gauge). */
  countBacklog(): Promise<number> {
    return this.prisma.contactSyncEvent.count({ where: { status: { in: ['pending', 'sending'] } } });
  }
}
