// Extraction metrics on the app's registry (SPEC §9). Looked up before being created, so two
// components of one app (or a rebuilt extractor) share them instead of failing to register.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ExtractionOutcomeLabel = 'ok' | 'partial' | 'failed' | 'breaker_open';
export type LlmCallResult = 'ok' | 'error' | 'timeout';

export interface ExtractionMetrics {
  extractions: Counter<'outcome'>;
  circuitOpen: Gauge;
  llmDuration: Histogram<'result'>;
  /** Model values dropped because the person's text does not support them (by field). */
  ungrounded: Counter<'field'>;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function extractionMetrics(registry: Registry): ExtractionMetrics {
  const extractions =
    existing<Counter<'outcome'>>(registry, 'atende_extraction_total') ??
    new Counter({ name: 'atende_extraction_total', help: 'Contact extractions by outcome', labelNames: ['outcome'] as const, registers: [registry] });
  const circuitOpen =
    existing<Gauge>(registry, 'atende_llm_circuit_open') ??
    new Gauge({ name: 'atende_llm_circuit_open', help: '1 while the LLM circuit breaker is open (calls fail fast), else 0', registers: [registry] });
  const llmDuration =
    existing<Histogram<'result'>>(registry, 'atende_llm_request_duration_seconds') ??
    new Histogram({
      name: 'atende_llm_request_duration_seconds',
      help: 'Duration of each LLM call attempt',
      labelNames: ['result'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
      registers: [registry],
    });
  const ungrounded =
    existing<Counter<'field'>>(registry, 'atende_extraction_ungrounded_total') ??
    new Counter({
      name: 'atende_extraction_ungrounded_total',
      help: "Model values dropped because the person's text does not contain them, by field",
      labelNames: ['field'] as const,
      registers: [registry],
    });
  return { extractions, circuitOpen, llmDuration, ungrounded };
}
