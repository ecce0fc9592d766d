// npm run chaos -- --people 60 --minutes 2 [--workers 3] [--kill-every-s 2] [--api-kill-every-s 10] [--calm] [--json]
// The full-size chaos run of issue 17 (see chaos-run.ts): people registering through the web
// chat while workers (and API replicas) are SIGKILLed, on PostgreSQL + Redis at 127.0.0.1
// (TEST_PG_ADMIN_URL, TEST_REDIS_URL). --calm kills nothing: the calm figures. Progress goes
// to stderr; the result, with --json, is one JSON object on the last line of stdout.
import { parseArgs } from 'node:util';
import { runChaos } from './chaos-run.ts';

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '60' },
    minutes: { type: 'string', default: '1' },
    workers: { type: 'string', default: '3' },
    'kill-every-s': { type: 'string', default: '2' },
    'api-kill-every-s': { type: 'string', default: '10' },
    calm: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const number = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got ${String(values[name])}`);
    process.exit(2);
  }
  return n;
};

const result = await runChaos({
  people: Math.max(1, Math.floor(number('people'))),
  durationMs: number('minutes') * 60_000,
  workers: Math.max(1, Math.floor(number('workers'))),
  killWorkerEveryMs: values.calm ? 0 : number('kill-every-s') * 1000,
  killApiEveryMs: values.calm ? 0 : number('api-kill-every-s') * 1000,
  thinkMs: [500, 2_000],
  log: (line) => console.error(`[chaos] ${line}`),
});

if (values.json) console.log(JSON.stringify({ bench: 'chaos', calm: values.calm, ...result }));
else console.log(result);
// Redis and pg handles of the helpers may linger; the run is over.
process.exit(0);
