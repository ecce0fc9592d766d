// npm run eval:extraction [-- --rules-only] [-- --tag injection] [-- --limit 20] [-- --verbose]
// Runs the labeled PT-BR data set and prints per-field precision, recall and F1.
// --rules-only: the deterministic rule extractor alone, no model needed (also enforced with
// floors in `npm test`). Otherwise the real extraction path (prompt → Ollama → zod → field
// validation and grounding) against OLLAMA_HOST/OLLAMA_MODEL, with latency percentiles, and
// beside it the hybrid the chat uses (rules first, grounded model values fill the rest).
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
import { type EvalCase, loadEvalCases } from './eval-cases.ts';
import { type FieldScore, matches, percentile, scoreFields } from './eval-scoring.ts';
import { hybridFound, RULE_FLOORS, ruleFound } from './rules-eval.ts';

const { values: args } = parseArgs({
  options: {
    tag: { type: 'string' },
    limit: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'rules-only': { type: 'boolean', default: false },
  },
});

let cases = loadEvalCases();
if (args.tag) cases = cases.filter((c) => c.tags.some((t) => t === args.tag || t.startsWith(`${args.tag}:`)));
if (args.limit) cases = cases.slice(0, Number(args.limit));

const pct = (n: number) => `${(n * 100).toFixed(1).padStart(5)} %`;
function printScores(title: string, scores: Record<string, FieldScore>, floors?: Record<string, number>) {
  console.log(`\n${title}\nfield    precision   recall       F1    tp  fp  fn${floors ? '  floor' : ''}`);
  for (const field of FIELD_NAMES) {
    const s = scores[field]!;
    const floor = floors?.[field];
    const verdict = floor === undefined ? '' : `  ${s.f1 >= floor ? 'ok' : 'BELOW'} ${floor}`;
    console.log(`${field.padEnd(8)} ${pct(s.precision)}  ${pct(s.recall)}  ${pct(s.f1)}  ${String(s.tp).padStart(4)}${String(s.fp).padStart(4)}${String(s.fn).padStart(4)}${verdict}`);
  }
}
function printMisses(c: EvalCase, found: ExtractionReport['found']) {
  for (const field of FIELD_NAMES) {
    const got = found[field];
    const want = c.expect[field];
    const right = got === undefined ? want === null : matches(field, got, c.expect);
    if (!right) console.log(`  ${c.id} ${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got ?? null)}  [${c.tags.join(' ')}]`);
  }
}

if (args['rules-only']) {
  const started = performance.now();
  const results = cases.map((c) => {
    const found = ruleFound(c.text);
    if (args.verbose) printMisses(c, found);
    return { expected: c.expect, found };
  });
  const elapsed = performance.now() - started;
  console.log(`Rule extractor alone (no model): ${cases.length} cases, ${(elapsed / Math.max(cases.length, 1)).toFixed(2)} ms per message`);
  const scores = scoreFields(results);
  printScores('rules only', scores, args.tag || args.limit ? undefined : RULE_FLOORS);
  const below = !args.tag && !args.limit && FIELD_NAMES.some((f) => scores[f].f1 < RULE_FLOORS[f]);
  process.exit(below ? 1 : 0);
}

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

const { extractor } = await createContactExtractor({ config, logger: createLogger({ level: 'silent' }), registry: new Registry() });

const latencies: number[] = [];
const results: { expected: EvalCase['expect']; found: ExtractionReport['found'] }[] = [];
const hybrid: { expected: EvalCase['expect']; found: ExtractionReport['found'] }[] = [];
const rulesOnly: { expected: EvalCase['expect']; found: ExtractionReport['found'] }[] = [];
const outcomes: Record<string, number> = {};
console.log(`Extraction evaluation: ${cases.length} cases, model ${config.OLLAMA_MODEL} at ${config.OLLAMA_HOST}\n`);
for (const c of cases) {
  const started = performance.now();
  const report = await extractor.extract({ text: c.text });
  latencies.push(performance.now() - started);
  const outcome = report.failure ? `failed:${report.failure.reason}` : report.outcome;
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  results.push({ expected: c.expect, found: report.found });
  const rules = ruleFound(c.text);
  rulesOnly.push({ expected: c.expect, found: rules });
  hybrid.push({ expected: c.expect, found: hybridFound(rules, report.found) });
  if (args.verbose) printMisses(c, report.found);
  else process.stdout.write('.');
}
extractor.close();

printScores('model alone (grounded)', scoreFields(results));
printScores('hybrid (rules first, model fills the rest) — what the chat does', scoreFields(hybrid));
printScores('rules only', scoreFields(rulesOnly));
console.log(`\nlatency per message (whole path): p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms`);
console.log(`outcomes: ${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
process.exit(0);
