// What happens to conversation texts after a conversation closes:
// - declined or cancelled: the bot promised "Nenhum dado foi salvo" / "não vou guardar
//   nenhum dado seu", so their texts are dropped right at the close (forgetClosed), except
//   the goodbye still to be sent; the next retention pass after the goodbye went out also
//   replaces their chat address by a pseudonym;
// - every closed conversation, after CONVERSATION_RETENTION_DAYS: texts, sender details and
//   snapshot are purged and the chat address becomes a pseudonym (purge).
// The saved contact itself is not touched: it lives on until erased (DELETE /contacts/:id).
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { ErasureMatch } from '../../connectors/types.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { sqlClientOf } from '../db/transaction-sql.ts';
import { type ConversationTables, pseudonymizeConversations, scrubConversations, tablesOn } from './conversation-scrubber.ts';

export interface RetentionDeps {
  /** Transactions (the channels' erasure hooks join them). */
  prisma: PrismaClient;
  tables: ConversationTables;
  connectors: ConnectorRegistry;
  retentionDays: number;
}

export interface PurgeResult {
  /** Closed conversations past the retention period, purged now. */
  expired: number;
  /** Declined/cancelled conversations whose chat address is now a pseudonym too (and whose
   * texts are dropped, should their drop at close have failed). */
  forgotten: number;
  /** Messages that never joined a conversation (set aside) past the retention period. */
  loose: number;
}

/** The statuses whose texts are dropped when the conversation closes. */
export const FORGET_ON_CLOSE = ['cancelled', 'declined'] as const;
export const forgetsOnClose = (status: string) => (FORGET_ON_CLOSE as readonly string[]).includes(status);

const BATCH = 200;
// A declined/cancelled conversation is pseudonymized only once its goodbye had time to be
// sent: the drop at close keeps that reply, and a reply to a pseudonym cannot be delivered.
const CATCH_UP_AFTER_MS = 10 * 60_000;

export class ConversationRetention {
  constructor(private readonly deps: RetentionDeps) {}

  /** Drops the texts of a conversation that just closed declined or cancelled; the replies
   * of its closing turn (written at `closedAt`) stay until sent. */
  async forgetClosed(conversationId: string, closedAt: Date): Promise<void> {
    await this.deps.prisma.$transaction(async (tx) => {
      const t = this.on(tx);
      await scrubConversations(t, [conversationId], { at: closedAt, keepRepliesFrom: closedAt });
      await t.conversations.purgeSnapshotIfClosed(conversationId);
      await this.channels(tx, [conversationId]);
    });
  }

  /** One retention pass as of `now`, in batches until nothing is left. */
  async purge(now: Date = new Date()): Promise<PurgeResult> {
    const cutoff = new Date(now.getTime() - this.deps.retentionDays * 86_400_000);
    const result: PurgeResult = { expired: 0, forgotten: 0, loose: 0 };
    for (;;) {
      const done = await this.deps.prisma.$transaction(async (tx) => {
        const t = this.on(tx);
        const ids = await t.conversations.lockUnpurged(cutoff, BATCH);
        await scrubConversations(t, ids, { at: now });
        await pseudonymizeConversations(t, ids, now);
        await this.channels(tx, ids);
        result.expired += ids.length;
        return ids.length < BATCH;
      });
      if (done) break;
    }
    for (;;) {
      const done = await this.deps.prisma.$transaction(async (tx) => {
        const t = this.on(tx);
        const ids = await t.conversations.lockUnpurged(new Date(now.getTime() - CATCH_UP_AFTER_MS), BATCH, FORGET_ON_CLOSE);
        // Texts again (a no-op unless the drop at close failed), then the chat address: once
        // the goodbye went out, nothing is left that points at the person.
        await scrubConversations(t, ids, { at: now });
        await pseudonymizeConversations(t, ids, now);
        await this.channels(tx, ids);
        result.forgotten += ids.length;
        return ids.length < BATCH;
      });
      if (done) break;
    }
    result.loose = await this.deps.tables.inbox.scrubLoose(cutoff);
    return result;
  }

  private on(tx: Prisma.TransactionClient): ConversationTables {
    return tablesOn(this.deps.tables, sqlClientOf(tx));
  }

  private async channels(tx: Prisma.TransactionClient, conversationIds: string[]) {
    if (!conversationIds.length) return;
    const match: ErasureMatch = { conversationIds, chats: [] };
    for (const connector of this.deps.connectors.list()) await connector.eraseSubject?.(match, tx);
  }
}
