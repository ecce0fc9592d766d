// The side effects the conversation machine invokes, bound to one conversation: extraction
// through the MCP client, the duplicate-phone check and the save through ContactService.
// Each is safe to run twice (a restored snapshot or a crashed turn re-runs it): extraction
// and the check only read, and a save with an idempotency key it has seen before returns the
// contact it saved then.
import type { ConversationServices, SaveInput } from '../../fsm/types.ts';
import type { AuditContext } from '../audit/audit-log.ts';
import type { ContactDto, ContactService } from '../contacts/contact-service.ts';
import type { UpdateRequestService } from '../contacts/update-requests.ts';
import { ConflictError } from '../domain/errors.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';

/** Extraction as the machine sees it: rejects when the LLM is unavailable. */
export type ExtractFn = ConversationServices['extractContact'];
export type { SaveInput as SaveRequest } from '../../fsm/types.ts';

export interface BotActorDeps {
  contacts: ContactService;
  updateRequests: UpdateRequestService;
  extract: ExtractFn;
  metrics: PipelineMetrics;
}

export interface ConversationScope {
  id: string;
  channel: string;
  chatId: string;
  createdAt: Date;
}

/** What one turn's actors work for. */
export interface TurnScope {
  conversation: ConversationScope;
  /** Told the id of the contact a save created or updated (not of an update request kept). */
  onSaved(contactId: string): void;
}

/** The save's key as stored: the machine's key is per conversation. */
const storedKey = (conversation: ConversationScope, idempotencyKey: string) => `${conversation.id}:${idempotencyKey}`;

export function botServices(deps: BotActorDeps): (scope: TurnScope) => ConversationServices {
  const save = async (conversation: ConversationScope, input: SaveInput): Promise<ContactDto> => {
    const key = storedKey(conversation, input.idempotencyKey);
    // A restored snapshot re-runs a save that may have committed: its key names the contact.
    const priorSave = () => deps.contacts.savedUnder(key);
    const ctx: AuditContext = { actorId: input.attendantUserId ?? 'bot', actorRole: input.attendantUserId ? 'attendant' : 'bot', requestId: conversation.id };
    const fields = { name: input.fields.name ?? '', phone: input.fields.phone ?? '', email: input.fields.email ?? null, reason: input.fields.reason ?? '' };
    const updateId = input.update;
    let contact: ContactDto;
    if (updateId) {
      const prior = await priorSave();
      if (prior) return prior;
      contact = await deps.contacts.update(updateId, fields, ctx, input.provenance ?? {});
    } else {
      try {
        const source = {
          channel: conversation.channel,
          chatId: conversation.chatId,
          mode: input.mode,
          createdBy: input.attendantUserId ?? 'bot',
          consentAt: input.consentAt ? new Date(input.consentAt) : null,
          provenance: input.provenance ?? null,
        };
        // The key commits with the contact, so a repeat of this save fails on it (or on the
        // phone) and finds the contact by it below: the usual first run reads nothing first.
        return await deps.contacts.create(fields, source, ctx, { saveKey: { key, conversationId: conversation.id } });
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
    await deps.contacts.rememberSave(key, conversation.id, contact.id);
    return contact;
  };

  return (scope) => ({
    extractContact: async (input) => {
      const started = performance.now();
      try {
        return await deps.extract(input);
      } finally {
        deps.metrics.stage.observe({ stage: 'extraction' }, (performance.now() - started) / 1000);
      }
    },
    // A contact this conversation saved under the same key is its own (the worker died after
    // the save committed, before the turn did): not a duplicate, and the save that follows
    // returns it.
    findDuplicate: async (input) => {
      const existing = await deps.contacts.otherWithPhone(input.phone, storedKey(scope.conversation, input.idempotencyKey));
      return existing ? { id: existing.id, name: existing.name, createdAt: new Date(existing.createdAt).toISOString() } : null;
    },
    saveContact: async (input) => {
      if (input.requestFor) {
        // A typed phone that is another contact's: nothing changes until staff decide.
        const { conversation } = scope;
        const request = await deps.updateRequests.submit(
          input.requestFor,
          input.fields,
          { channel: conversation.channel, chatId: conversation.chatId, conversationId: conversation.id, consentAt: input.consentAt ? new Date(input.consentAt) : null },
          storedKey(conversation, input.idempotencyKey),
          { actorId: 'bot', actorRole: 'bot', requestId: conversation.id },
        );
        return { id: request.id, protocol: request.protocol, pending: true };
      }
      const contact = await save(scope.conversation, input);
      scope.onSaved(contact.id);
      return { id: contact.id, protocol: contact.protocol };
    },
  });
}
