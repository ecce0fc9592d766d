// npm run eval:extraction [-- --tag injection] [-- --limit 20] [-- --verbose]
// Runs the labeled PT-BR data set through the real extraction path (prompt → Ollama → zod →
// field validation) against the configured OLLAMA_HOST/OLLAMA_MODEL, and prints per-field
// precision, recall and F1 plus latency percentiles. Not part of `npm test`: it needs a real
// model, and its numbers are a measurement, not a pass/fail.
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { FIELD_NAMES } from '../src/contacts/fields.ts';
import { ConfigError, loadConfig } from '../src/config/env.ts';
import type { ExtractionReport } from '../src/extraction/extraction-schema.ts';
import { createContactExtractor } from '../src/extraction/extraction-stack.ts';
import { loadExtractionPrompt } from '../src/extraction/extraction-prompt.ts';
import { OllamaChat } from '../src/extraction/ollama-chat.ts';
import { probeOllama } from '../src/extraction/ollama-health.ts';
import { createLogger } from '../src/observability/logger.ts';
import { loadEvalCases } from './eval-cases.ts';
import { matches, percentile, scoreFields } from './eval-scoring.ts';

const { values: args } = parseArgs({
  options: { tag: { type: 'string' }, limit: { type: 'string' }, verbose: { type: 'boolean', default: false } },
});

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : String(err));
  process.exit(1);
}

const probe = await probeOllama(new OllamaChat({ host: config.OLLAMA_HOST, model: config.OLLAMA_MODEL, prompt: await loadExtractionPrompt() }), 3_000);
if (probe.status !== 'up') {
  console.error(
    probe.problem === 'unreachable'
      ? `No Ollama reachable at ${config.OLLAMA_HOST}: start one (\`ollama serve\`), pull the model (\`ollama pull ${config.OLLAMA_MODEL}\`), or point OLLAMA_HOST at it. Nothing was evaluated.`
      : `Ollama at ${config.OLLAMA_HOST} has no model ${config.OLLAMA_MODEL}: run \`ollama pull ${config.OLLAMA_MODEL}\` (or set OLLAMA_MODEL). Nothing was evaluated.`,
  );
  process.exit(1);
}

let cases = loadEvalCases();
if (args.tag) cases = cases.filter((c) => c.tags.some((t) => t === args.tag || t.startsWith(`${args.tag}:`)));
if (args.limit) cases = cases.slice(0, Number(args.limit));

const { extractor } = await createContactExtractor({ config, logger: createLogger({ level: 'silent' }), registry: new Registry() });

const latencies: number[] = [];
const results: { expected: (typeof cases)[number]['expect']; found: ExtractionReport['found'] }[] = [];
const outcomes: Record<string, number> = {};
console.log(`Extraction evaluation: ${cases.length} cases, model ${config.OLLAMA_MODEL} at ${config.OLLAMA_HOST}\n`);
for (const c of cases) {
  const started = performance.now();
  const report = await extractor.extract({ text: c.text });
  latencies.push(performance.now() - started);
  const outcome = report.failure ? `failed:${report.failure.reason}` : report.outcome;
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  results.push({ expected: c.expect, found: report.found });
  if (args.verbose) {
    for (const field of FIELD_NAMES) {
      const got = report.found[field];
      const want = c.expect[field];
      const right = got === undefined ? want === null : matches(field, got, c.expect);
      if (!right) console.log(`  ${c.id} ${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got ?? null)}  [${c.tags.join(' ')}]`);
    }
  } else {
    process.stdout.write('.');
  }
}
extractor.close();

const scores = scoreFields(results);
const pct = (n: number) => `${(n * 100).toFixed(1).padStart(5)} %`;
console.log(`\n\nfield    precision   recall       F1    tp  fp  fn`);
for (const field of FIELD_NAMES) {
  const s = scores[field];
  console.log(`${field.padEnd(8)} ${pct(s.precision)}  ${pct(s.recall)}  ${pct(s.f1)}  ${String(s.tp).padStart(4)}${String(s.fp).padStart(4)}${String(s.fn).padStart(4)}`);
}
console.log(`\nlatency per message (whole path): p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms`);
console.log(`outcomes: ${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
process.exit(0);
