// fsm/restore.test.ts's crash and restore scenarios, run on the real actors
// (src/conversations/bot-actors.ts) over a real database instead of the fakes. The fakes honour
// the contract in fsm/types.ts; these tests make production honour it too: a worker that dies
// after a save committed and before its turn did retries the message from the old snapshot,
// and the person must be told their own protocol — not that their new record is a duplicate.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../fsm/catalog.ts';
import { Chat } from '../fsm/test-support.ts';
import type { ConversationServices } from '../fsm/types.ts';
import { AuditLog } from '../src/audit/audit-log.ts';
import { ContactService } from '../src/contacts/contact-service.ts';
import { UpdateRequestService } from '../src/contacts/update-requests.ts';
import { botServices, type TurnScope } from '../src/conversations/bot-actors.ts';
import { createPipelineMetrics } from '../src/conversations/pipeline-metrics.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { sql } from '../src/db/sql.ts';
import { BACKENDS } from './helpers/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

const never = <T>() => new Promise<T>(() => {});

/** The real actors, with switches that make one call hang the way a dying worker would. */
class Crashable {
  /** The next save commits, then never answers (the worker died before the turn committed). */
  hangAfterSave = 0;
  /** The next duplicate check never answers. */
  hangDuplicateCheck = 0;
  /** The next save fails before touching the database. */
  failSave = 0;

  constructor(private readonly real: ConversationServices) {}

  services(): ConversationServices {
    return {
      extractContact: (input) => this.real.extractContact(input),
      findDuplicate: async (input) => {
        if (this.hangDuplicateCheck > 0 && this.hangDuplicateCheck--) return never();
        return this.real.findDuplicate(input);
      },
      saveContact: async (input) => {
        if (this.failSave > 0 && this.failSave--) throw new Error('database unavailable');
        const saved = await this.real.saveContact(input);
        if (this.hangAfterSave > 0 && this.hangAfterSave--) return never();
        return saved;
      },
    };
  }
}

describe.each(BACKENDS)('conversation crash and restore on the real actors, %s', (backend) => {
  let pg: TestDatabase | undefined;
  let db: Database;
  let real: (scope: TurnScope) => ConversationServices;
  let seq = 0;

  beforeAll(async () => {
    pg = backend === 'postgres' ? await createTestDatabase() : undefined;
    db = await openDatabase({ databaseUrl: pg?.url });
    await db.migrate();
    const registry = new Registry();
    const audit = new AuditLog(db);
    const contacts = new ContactService({ prisma: db.prisma, sql: db, audit, registry });
    real = botServices({
      contacts,
      updateRequests: new UpdateRequestService(db.prisma, contacts, audit),
      // The model is down: the machine reads what its rules can and asks for the rest.
      extract: async () => Promise.reject(new Error('LLM unavailable')),
      metrics: createPipelineMetrics(registry, async () => 0),
    });
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
  });

  /** A chat of its own (conversation id, chat id, phone) so the scenarios don't meet. */
  function chat(options: { restoreEachStep?: boolean } = {}) {
    const n = ++seq;
    const conversationId = `5b0c3a52-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const phone = `+55119${String(70000000 + n * 7919).slice(0, 8)}`;
    const scope: TurnScope = { conversation: { id: conversationId, channel: 'web', chatId: `chat-${n}`, createdAt: new Date(Date.now() - 60_000) }, onSaved: () => {} };
    const crash = new Crashable(real(scope));
    const c = new Chat({ services: crash.services(), ...options });
    const display = `${phone.slice(3, 5)} ${phone.slice(5, 10)}-${phone.slice(10)}`;
    return { c, crash, phone, conversationId, steps: ['oi', 'sim', `Maria Silva, ${display}, apoio emocional`, 'pular'] };
  }

  const contactsWith = (phone: string) => db.query<{ id: string; protocol: string }>(sql`SELECT id::text AS id, protocol FROM contacts WHERE phone = ${phone}::varchar`);
  const savesOf = (conversationId: string) => db.query<{ contactId: string }>(sql`SELECT contact_id::text AS "contactId" FROM contact_saves WHERE conversation_id = ${conversationId}::uuid`);
  const audits = async (contactId: string) =>
    Number((await db.query<{ n: string }>(sql`SELECT count(*)::text AS n FROM audit_log WHERE action = 'contact.create' AND entity_id = ${contactId}::varchar`))[0]!.n);
  const thanks = (protocol: string) => catalog.saved('contact', protocol, false);

  it('restored after every turn: the same states and replies as one actor, one contact', async () => {
    const straight = chat();
    const restored = chat({ restoreEachStep: true });
    for (const [i, step] of straight.steps.entries()) {
      await straight.c.say(step);
      await restored.c.say(restored.steps[i]!);
      expect(restored.c.state).toBe(straight.c.state);
    }
    expect(restored.c.state).toBe('active.confirming');
    await restored.c.say('sim');
    const [contact] = await contactsWith(restored.phone);
    expect(restored.c.state).toBe('saved');
    expect(restored.c.replies.map((r) => r.text)).toEqual([thanks(contact!.protocol)]);
    expect(restored.c.restores).toBe(5);
  });

  it('the save committed, the turn did not: the retried SIM from the old snapshot answers the same protocol, not "duplicate"', async () => {
    const { c, phone, conversationId, steps } = chat();
    for (const step of steps) await c.say(step);
    const atSummary = c.persisted();
    await c.say('sim', { messageId: 'wamid.42' });
    const first = c.replies;
    // The worker died before committing the turn: the message comes back from the old snapshot.
    c.restore(atSummary);
    await c.say('sim', { messageId: 'wamid.42', afterMin: 0 });
    const [contact, ...others] = await contactsWith(phone);
    expect(others).toEqual([]);
    expect(c.state).toBe('saved');
    expect(c.replies).toEqual(first);
    expect(first).toEqual([{ key: 'wamid.42:0', text: thanks(contact!.protocol) }]);
    expect(await savesOf(conversationId)).toEqual([{ contactId: contact!.id }]);
    expect(await audits(contact!.id)).toBe(1);
  });

  it('restored with the save in flight after its commit: the re-run saves nothing new and replies with the same key', async () => {
    const { c, crash, phone, steps } = chat();
    for (const step of steps) await c.say(step);
    crash.hangAfterSave = 1;
    c.sendNoWait('sim', 'm5');
    await expect.poll(async () => (await contactsWith(phone)).length).toBe(1);
    const midFlight = c.persisted() as { value: unknown };
    expect(midFlight.value).toEqual({ active: 'saving' });
    c.restore(midFlight);
    await c.settle();
    const [contact, ...others] = await contactsWith(phone);
    expect(others).toEqual([]);
    expect(c.state).toBe('saved');
    expect(c.snapshot.context.outbox).toEqual([{ key: 'm5:0', text: thanks(contact!.protocol) }]);
    expect(await audits(contact!.id)).toBe(1);
  });

  it("restored with the duplicate check of a typed phone in flight: re-run, one update request kept for the other person's contact", async () => {
    const { c, crash, phone, conversationId, steps } = chat();
    const other = chat();
    // Someone else registered this phone first.
    for (const step of other.steps.map((s) => s.replace(other.phone.slice(5, 10), phone.slice(5, 10)).replace(other.phone.slice(10), phone.slice(10)))) await other.c.say(step);
    await other.c.say('sim');
    expect(other.c.state).toBe('saved');
    for (const step of steps) await c.say(step);
    crash.hangDuplicateCheck = 1;
    c.sendNoWait('sim', 'm5');
    await expect.poll(() => (c.persisted() as { value: unknown }).value).toEqual({ active: 'checkingDuplicate' });
    c.restore();
    await c.settle();
    // A typed phone that is someone else's: nothing of theirs changes, staff get one request.
    expect(c.state).toBe('saved');
    const [theirs, ...others] = await contactsWith(phone);
    expect(others).toEqual([]);
    const requests = await db.query<{ contactId: string; protocol: string }>(sql`
      SELECT contact_id::text AS "contactId", protocol FROM contact_update_requests WHERE conversation_id = ${conversationId}::uuid`);
    expect(requests).toEqual([{ contactId: theirs!.id, protocol: expect.any(String) }]);
    expect(c.snapshot.context.outbox.map((r) => r.text).join(' ')).toContain(requests[0]!.protocol);
  });

  it('a save that fails stops the turn in error; the retried message saves once', async () => {
    const { c, crash, phone, steps } = chat();
    for (const step of steps) await c.say(step);
    const before = c.persisted();
    crash.failSave = 1;
    await expect(c.say('sim', { messageId: 'm5' })).rejects.toThrow('database unavailable');
    expect(await contactsWith(phone)).toEqual([]);
    c.restore(before);
    await c.say('sim', { messageId: 'm5', afterMin: 0 });
    const [contact, ...others] = await contactsWith(phone);
    expect(others).toEqual([]);
    expect(c.replies.map((r) => r.text)).toEqual([thanks(contact!.protocol)]);
  });
});
