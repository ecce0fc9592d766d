// The small chaos run of issue 17 (bench/chaos-run.ts; `npm run chaos` is the full size): ten
// people register through the web chat against ROLE=api and ROLE=worker processes on
// PostgreSQL + Redis while a worker is SIGKILLed every 2 s. Nothing may be lost or doubled, no
// one may be told "Já temos um cadastro" about their own new registration, and the bot's reply
// must come within the bounds people tolerate: p99 ≤ 10 s, longest ≤ 30 s.
import { describe, expect, it } from 'vitest';
import { runChaos } from '../bench/chaos-run.ts';

describe('chaos: workers killed every 2 s', () => {
  it('loses nothing, doubles nothing, and keeps replies within seconds', async () => {
    // Four workers: a kill is skipped while fewer than two are up (people would then measure a
    // start-up, not a recovery), and on a busy machine a replacement takes many seconds to start.
    const result = await runChaos({ people: 10, durationMs: 30_000, workers: 4, killWorkerEveryMs: 2_000, killApiEveryMs: 0, thinkMs: [200, 800] });
    // Printed for the record: the figures behind the bounds below.
    console.log(JSON.stringify(result));

    // The chaos happened: workers died while people were talking (at least the three the
    // first four can spare; more when replacements start fast enough to be killed in turn).
    expect(result.workerKills).toBeGreaterThanOrEqual(3);
    expect(result.registrations).toBeGreaterThanOrEqual(10);
    expect(result.completed).toBe(result.registrations);
    expect(result.lost).toBe(0);
    expect(result.unprocessedInbox).toBe(0);
    expect(result.duplicatedReplies).toBe(0);
    expect(result.duplicatedContacts).toBe(0);
    expect(result.missingContacts).toBe(0);
    expect(result.falseDuplicateNotices).toBe(0);
    expect(result.replyWaitMs.p99).toBeLessThanOrEqual(10_000);
    expect(result.replyWaitMs.max).toBeLessThanOrEqual(30_000);
  }, 400_000);
});
