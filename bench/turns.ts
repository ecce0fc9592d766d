// npm run bench:turns [-- --chats 400 --backend postgres|pglite | --embedded] [--json]
//
// Conversation turns per second through the worker side: kick → chat lease (Redis) →
// inbox read → XState restore from the persisted snapshot → event → settle → one commit
// (snapshot + processed mark + replies) → delivery through a connector. The real machine
// (fsm/), an instant fake extractor, PostgreSQL + Redis. Each chat runs a whole registration
// (greeting, consent, one-message extraction, e-mail skipped, confirmation → contact saved):
// 5 turns. All chats' messages are stored first; the clock runs until every reply is out.
// Targets: ≥ 1,000 turns/s on PostgreSQL + Redis, ≥ 300 turns/s embedded (PGlite, no Redis).
// With --json the last line of stdout is {bench, backend, turnsPerSecond, …}.
// First: the V8 settings the server runs with (WebAssembly on the baseline compiler only).
import '../src/runtime-flags.ts';
import { parseArgs } from 'node:util';
import { conversationMachine } from '../fsm/machine.ts';
import type { Extractor } from '../src/extraction/mcp-extractor.ts';
import { normalizePhone } from '../src/contacts/fields.ts';
import { message, startRig } from '../test/helpers/pipeline-rig.ts';
import { REDIS_TEST_URL } from '../test/helpers/postgres.ts';
import { backendCpu, backendCpuSpent } from './backend-cpu.ts';
import { sql } from '../src/db/sql.ts';

const { values: args } = parseArgs({
  options: {
    chats: { type: 'string', default: '400' },
    backend: { type: 'string', default: 'postgres' },
    pool: { type: 'string', default: '10' },
    embedded: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const chats = Number(args.chats);
const backend = args.embedded || args.backend === 'pglite' || args.backend === 'embedded' ? 'pglite' : 'postgres';
const TARGET = backend === 'pglite' ? 300 : 1000;

// Answers at once with what the text says (the benchmark is about the runtime, not the LLM).
const instant: Extractor = {
  async extract({ text }) {
    const phone = /(\d{2} 9\d{8})/.exec(text)?.[1];
    const found = { name: 'Maria Silva', reason: 'apoio emocional', ...(phone ? { phone: (normalizePhone(phone) as { value: string }).value } : {}) };
    return { outcome: 'ok', failure: null, found, missing: [], invalid: [], fields: {} };
  },
  async close() {},
};

const script = (i: number) => ['oi', 'sim', `Sou a Maria Silva, 11 9${String(70_000_000 + i)}, preciso de apoio emocional`, 'pular', 'sim'];

async function main() {
  const rig = await startRig({
    backend,
    machine: conversationMachine,
    extractor: instant,
    env: { DATABASE_POOL_SIZE: args.pool },
    ...(backend === 'postgres' ? { redisUrl: process.env.REDIS_URL ?? REDIS_TEST_URL } : {}),
  });
  try {
    // Warm-up: one conversation, so module loading and JIT are not on the clock.
    for (const text of script(chats + 1)) await rig.engine.intake.receive([message('warmup', text)]);
    await waitFor(() => rig.connector.textsTo('warmup').some((t) => t.includes('Protocolo')));
    const sentBefore = rig.connector.sent.length;

    const turns = chats * script(0).length;
    const cpuBefore = process.cpuUsage();
    const dbCpuBefore = backend === 'postgres' ? await backendCpu(rig.db) : null;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: chats }, async (_, i) => {
        for (const text of script(i)) await rig.engine.intake.receive([message(`chat-${i}`, text)]);
      }),
    );
    const stored = performance.now();
    // Every turn answers at least once: wait for that many replies, then make sure.
    await waitFor(() => rig.connector.sent.length - sentBefore >= turns, 600_000);
    // Plain SQL: the harness should not spend the measured CPU on an ORM of its own.
    await waitFor(async () => (await rig.db.query<{ left: boolean }>(sql`SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE processed_at IS NULL) AS left`))[0]?.left === false);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const dbCpuMs = backendCpuSpent(dbCpuBefore, backend === 'postgres' ? await backendCpu(rig.db) : null);

    const saved = Number((await rig.db.query<{ n: unknown }>(sql`SELECT count(*) AS n FROM contacts`))[0]?.n ?? 0);
    const stage = await rig.registry.getSingleMetric('atende_stage_duration_seconds')!.get();
    const sum = (name: string, s: string) => stage.values.find((v) => (v as { metricName?: string }).metricName === `atende_stage_duration_seconds_${name}` && v.labels.stage === s)?.value ?? 0;
    console.log(`bench:turns — ${backend}${backend === 'postgres' ? ' + Redis' : ''}, ${chats} chats × ${script(0).length} turns, real machine, instant extractor\n`);
    console.log(`turns                 ${turns} in ${seconds.toFixed(2)} s (all stored after ${((stored - started) / 1000).toFixed(2)} s)`);
    console.log(`throughput            ${(turns / seconds).toFixed(0)} turns/s   (target ≥ ${TARGET}: ${turns / seconds >= TARGET ? 'met' : 'NOT met'})`);
    console.log(`mean turn / commit    ${((1000 * sum('sum', 'turn')) / sum('count', 'turn')).toFixed(1)} ms / ${((1000 * sum('sum', 'commit')) / sum('count', 'commit')).toFixed(1)} ms`);
    console.log(`CPU of this process   ${((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)} cores busy on average (${((cpu.user + cpu.system) / 1e3 / turns).toFixed(2)} ms CPU per turn, ${(cpu.system / 1e3 / turns).toFixed(2)} of it in the kernel)`);
    if (dbCpuMs !== null) console.log(`PostgreSQL CPU        ${(dbCpuMs / turns).toFixed(2)} ms per turn (its backends for this database)`);
    console.log(`contacts saved        ${saved - 1} of ${chats}; replies delivered ${rig.connector.sent.length - sentBefore}`);
    if (args.json) {
      console.log(JSON.stringify({ bench: 'turns', backend: backend === 'pglite' ? 'embedded' : 'postgres+redis', turnsPerSecond: Math.round(turns / seconds), turns,
        cpuMsPerTurn: Number(((cpu.user + cpu.system) / 1e3 / turns).toFixed(2)), ...(dbCpuMs !== null ? { dbCpuMsPerTurn: Number((dbCpuMs / turns).toFixed(2)) } : {}), seconds: Number(seconds.toFixed(2)), contactsSaved: saved - 1, chats }));
    }
  } finally {
    await rig.close();
  }
  process.exit(0);
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the conversations to finish');
    await new Promise((r) => setTimeout(r, 20));
  }
}

await main();
