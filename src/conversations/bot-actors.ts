// The side effects the conversation machine invokes, bound to one conversation: extraction
// through the MCP client, the duplicate-phone check and the save through ContactService.
// Each is safe to run twice (a restored snapshot or a crashed turn re-runs it): extraction
// and the check only read, and a save with an idempotency key it has seen before returns the
// contact it saved then.
import { fromPromise } from 'xstate';
import type { AuditContext } from '../audit/audit-log.ts';
import type { ContactDto, ContactService } from '../contacts/contact-service.ts';
import { CREATED_ID } from '../contacts/contact-repository.ts';
import { ConflictError } from '../http/errors.ts';
import type { ActorsFactory } from './machine-host.ts';
import { type PipelineSql, sql } from './pipeline-sql.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';

type Fields = { name?: string; phone?: string; email?: string | null; reason?: string };

export interface ExtractRequest {
  text: string;
  known?: Fields;
}

export interface ExtractAnswer {
  found: Fields;
  missing: string[];
  invalid: { field: string; code: string; message: string }[];
}

/** Extraction as the machine sees it: rejects when the LLM is unavailable. */
export type ExtractFn = (request: ExtractRequest) => Promise<ExtractAnswer>;

export interface SaveRequest {
  fields: Fields;
  mode: 'contact' | 'attendant';
  consentAt?: string | number | Date | null;
  attendantUserId?: string | null;
  /** Update this existing contact (duplicate phone → ATUALIZAR) instead of creating one. */
  update?: string | { id?: string; contactId?: string } | null;
  idempotencyKey: string;
}

export interface BotActorDeps {
  db: PipelineSql;
  contacts: ContactService;
  extract: ExtractFn;
  metrics: PipelineMetrics;
}

export interface ConversationScope {
  id: string;
  channel: string;
  chatId: string;
  createdAt: Date;
}

/** A short code the person can quote; derived from the contact id, so a repeat gives the same. */
export const protocolOf = (contactId: string) => contactId.replace(/-/g, '').slice(0, 8).toUpperCase();

const updateIdOf = (update: SaveRequest['update']) => (typeof update === 'string' ? update : (update?.id ?? update?.contactId ?? undefined));

/** What one turn's actors work for. */
export interface TurnScope {
  conversation: ConversationScope;
  /** Told the id of the contact a save created or updated. */
  onSaved(contactId: string): void;
}

export function botActors(deps: BotActorDeps): ActorsFactory<TurnScope> {
  const save = async (conversation: ConversationScope, input: SaveRequest) => {
    const key = `${conversation.id}:${input.idempotencyKey}`;
    // A restored snapshot re-runs a save that may have committed: its key names the contact.
    const priorSave = async () =>
      (await deps.db.query<{ contactId: string }>(sql`SELECT contact_id::text AS "contactId" FROM contact_saves WHERE idempotency_key = ${key}::varchar`))[0]?.contactId;
    const ctx: AuditContext = { actorId: input.attendantUserId ?? 'bot', actorRole: input.attendantUserId ? 'attendant' : 'bot', requestId: conversation.id };
    const fields = { name: input.fields.name ?? '', phone: input.fields.phone ?? '', email: input.fields.email ?? null, reason: input.fields.reason ?? '' };
    const updateId = updateIdOf(input.update);
    let contact: ContactDto;
    if (updateId) {
      const prior = await priorSave();
      if (prior) return prior;
      contact = await deps.contacts.update(updateId, fields, ctx);
    } else {
      try {
        const source = {
          channel: conversation.channel,
          chatId: conversation.chatId,
          mode: input.mode,
          createdBy: input.attendantUserId ?? 'bot',
          consentAt: input.consentAt ? new Date(input.consentAt) : null,
        };
        // The key commits with the contact, so a repeat of this save fails on it (or on the
        // phone) and finds the contact by it below: the usual first run reads nothing first.
        contact = await deps.contacts.create(fields, source, ctx, [
          sql`INSERT INTO contact_saves (idempotency_key, conversation_id, contact_id) VALUES (${key}::varchar, ${conversation.id}::uuid, ${CREATED_ID})`,
        ]);
        return contact.id;
      } catch (err) {
        const prior = await priorSave();
        if (prior) return prior;
        // No key, yet the phone is taken: the contact this conversation created (a save from
        // before keys committed with the contact) is ours, any other one is a real duplicate.
        const mine = err instanceof ConflictError ? await deps.contacts.findByPhone(fields.phone) : null;
        if (!mine || mine.source.channel !== conversation.channel || mine.source.chatId !== conversation.chatId || new Date(mine.createdAt) < conversation.createdAt) throw err;
        contact = mine;
      }
    }
    await deps.db.query(sql`
      INSERT INTO contact_saves (idempotency_key, conversation_id, contact_id) VALUES (${key}::varchar, ${conversation.id}::uuid, ${contact.id}::uuid)
      ON CONFLICT (idempotency_key) DO NOTHING`);
    return contact.id;
  };

  return (scopeOf) => ({
    extractContact: fromPromise<ExtractAnswer, ExtractRequest>(async ({ input }) => {
      const started = performance.now();
      try {
        return await deps.extract(input);
      } finally {
        deps.metrics.stage.observe({ stage: 'extraction' }, (performance.now() - started) / 1000);
      }
    }),
    // A read of three columns on the hot path's own pool (no ORM round of query compiling).
    findDuplicate: fromPromise<{ id: string; name: string; createdAt: string } | null, { phone: string }>(async ({ input }) => {
      const [existing] = await deps.db.query<{ id: string; name: string; createdAt: Date }>(sql`
        SELECT id::text AS id, name, created_at AS "createdAt" FROM contacts WHERE phone = ${input.phone}::varchar`);
      return existing ? { id: existing.id, name: existing.name, createdAt: new Date(existing.createdAt).toISOString() } : null;
    }),
    saveContact: fromPromise<{ id: string; protocol: string }, SaveRequest>(async ({ input, system }) => {
      const scope = scopeOf(system);
      const id = await save(scope.conversation, input);
      scope.onSaved(id);
      return { id, protocol: protocolOf(id) };
    }),
  });
}
