// The extraction use case behind the `extract_contact` MCP tool: ask Ollama (through the
// resilience policy), parse and validate its answer with zod, re-validate every value through
// the intake form, merge the fields already known, and say how it went. It never throws for
// an LLM problem: a failure is a report with outcome "failed" and a typed code, holding the
// known fields, so the caller goes on asking field by field and nothing typed is lost.
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { FIELD_NAMES } from '../contacts/fields.ts';
import type { Logger } from '../observability/logger.ts';
import type { ExtractInput, ExtractionReport, FailureCode, FailureReason, ModelOutput } from './extraction-schema.ts';
import { modelOutputSchema } from './extraction-schema.ts';
import type { ExtractionMetrics, LlmCallResult } from './extraction-metrics.ts';
import { buildReport } from './field-merge.ts';
import type { LlmPolicy } from './llm-policy.ts';
import { LlmCallError, type OllamaChat } from './ollama-chat.ts';

export interface ContactExtractorDeps {
  chat: OllamaChat;
  policy: LlmPolicy;
  metrics?: ExtractionMetrics;
  logger?: Logger;
}

function failureReason(err: unknown): FailureReason {
  if (err instanceof BrokenCircuitError) return 'breaker_open';
  if (err instanceof TaskCancelledError) return 'timeout';
  if (err instanceof LlmCallError) return err.kind;
  return 'unreachable';
}

type Parsed = { ok: true; output: ModelOutput } | { ok: false; reason: FailureReason };

/** The model's content, parsed and validated; anything else is invalid output. */
export function parseModelOutput(content: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { ok: false, reason: 'malformed_json' };
  }
  const result = modelOutputSchema.safeParse(json);
  return result.success ? { ok: true, output: result.data } : { ok: false, reason: 'schema_mismatch' };
}

export class ContactExtractor {
  private readonly closing = new AbortController();

  constructor(private readonly deps: ContactExtractorDeps) {
    const gauge = deps.metrics?.circuitOpen;
    gauge?.set(deps.policy.circuitOpen ? 1 : 0);
    deps.policy.onCircuitChange((open) => {
      gauge?.set(open ? 1 : 0);
      deps.logger?.warn({ event: open ? 'llm_circuit_open' : 'llm_circuit_closed' }, open ? 'LLM circuit breaker open: extraction fails fast' : 'LLM circuit breaker closed');
    });
  }

  get circuitOpen(): boolean {
    return this.deps.policy.circuitOpen;
  }

  async extract({ text, known = {} }: ExtractInput): Promise<ExtractionReport> {
    const knownOnly = buildReport(null, known, text);
    if (FIELD_NAMES.every((f) => knownOnly.found[f] !== undefined)) return this.count(knownOnly);

    let content: string;
    try {
      content = await this.deps.policy.execute((signal) => this.attempt(text, signal), this.closing.signal);
    } catch (err) {
      return this.fail('llm_unavailable', failureReason(err), known, text);
    }
    const parsed = parseModelOutput(content);
    if (!parsed.ok) return this.fail('invalid_output', parsed.reason, known, text);
    const report = buildReport(parsed.output, known, text);
    // Counted, not logged: the dropped value may be someone's phone (or an injected one).
    for (const refused of report.invalid) if (refused.code === 'not_in_text') this.deps.metrics?.ungrounded.inc({ field: refused.field });
    return this.count({ ...report, model: this.deps.chat.model });
  }

  /** Aborts calls in flight (app shutdown). */
  close(): void {
    this.closing.abort();
  }

  private async attempt(text: string, signal: AbortSignal): Promise<string> {
    const end = this.deps.metrics?.llmDuration.startTimer();
    let result: LlmCallResult = 'error';
    try {
      const content = await this.deps.chat.extract(text, signal);
      result = 'ok';
      return content;
    } catch (err) {
      if (signal.aborted || (err instanceof LlmCallError && err.kind === 'timeout')) result = 'timeout';
      throw err;
    } finally {
      end?.({ result });
    }
  }

  private fail(code: FailureCode, reason: FailureReason, known: ExtractInput['known'], text: string): ExtractionReport {
    this.deps.logger?.warn({ event: 'extraction_failed', code, reason }, 'contact extraction failed; the caller asks field by field');
    this.deps.metrics?.extractions.inc({ outcome: reason === 'breaker_open' ? 'breaker_open' : 'failed' });
    return buildReport(null, known ?? {}, text, { code, reason });
  }

  private count(report: ExtractionReport): ExtractionReport {
    this.deps.metrics?.extractions.inc({ outcome: report.outcome === 'ok' ? 'ok' : 'partial' });
    return report;
  }
}
