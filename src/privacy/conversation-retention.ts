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
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { PURGED_SNAPSHOT, pseudonymizeConversations, scrubConversations } from './conversation-scrubber.ts';

export interface RetentionDeps {
  prisma: PrismaClient;
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
      await scrubConversations(tx, [conversationId], { at: closedAt, keepRepliesFrom: closedAt });
      await tx.$executeRaw`UPDATE conversations SET snapshot = ${JSON.stringify(PURGED_SNAPSHOT)}::jsonb WHERE id = ${conversationId}::uuid AND closed_at IS NOT NULL`;
      await this.channels(tx, [conversationId]);
    });
  }

  /** One retention pass as of `now`, in batches until nothing is left. */
  async purge(now: Date = new Date()): Promise<PurgeResult> {
    const cutoff = new Date(now.getTime() - this.deps.retentionDays * 86_400_000);
    const result: PurgeResult = { expired: 0, forgotten: 0, loose: 0 };
    for (;;) {
      const done = await this.deps.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          SELECT id::text AS id FROM conversations
          WHERE purged_at IS NULL AND closed_at < ${cutoff}::timestamptz
          ORDER BY closed_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
        const ids = rows.map((r) => r.id);
        await scrubConversations(tx, ids, { at: now });
        await pseudonymizeConversations(tx, ids, now);
        await this.channels(tx, ids);
        result.expired += ids.length;
        return ids.length < BATCH;
      });
      if (done) break;
    }
    for (;;) {
      const done = await this.deps.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          SELECT id::text AS id FROM conversations
          WHERE purged_at IS NULL AND status IN (${Prisma.join([...FORGET_ON_CLOSE])})
            AND closed_at < ${new Date(now.getTime() - CATCH_UP_AFTER_MS)}::timestamptz
          ORDER BY closed_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
        const ids = rows.map((r) => r.id);
        // Texts again (a no-op unless the drop at close failed), then the chat address: once
        // the goodbye went out, nothing is left that points at the person.
        await scrubConversations(tx, ids, { at: now });
        await pseudonymizeConversations(tx, ids, now);
        await this.channels(tx, ids);
        result.forgotten += ids.length;
        return ids.length < BATCH;
      });
      if (done) break;
    }
    // The (conversation_id) index serves "IS NULL": no scan of the whole inbox.
    result.loose = await this.deps.prisma.$executeRaw`
      UPDATE inbound_messages SET text = '', sender_name = NULL, sender_phone = NULL, sender_username = NULL, raw = NULL
      WHERE conversation_id IS NULL AND processed_at < ${cutoff}::timestamptz
        AND (text <> '' OR sender_name IS NOT NULL OR sender_phone IS NOT NULL OR sender_username IS NOT NULL OR raw IS NOT NULL)`;
    return result;
  }

  private async channels(tx: Prisma.TransactionClient, conversationIds: string[]) {
    if (!conversationIds.length) return;
    const match: ErasureMatch = { conversationIds, chats: [] };
    for (const connector of this.deps.connectors.list()) await connector.eraseSubject?.(match, tx);
  }
}
