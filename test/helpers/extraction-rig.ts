// Builds the extraction core (Ollama caller → policy → ContactExtractor) against a fake
// Ollama, with short resilience numbers so timeouts and the breaker show within a test.
import { Registry } from 'prom-client';
import { ContactExtractor } from '../../src/extraction/contact-extractor.ts';
import { loadExtractionPrompt } from '../../src/extraction/extraction-prompt.ts';
import { extractionMetrics } from '../../src/extraction/extraction-metrics.ts';
import { LlmPolicy, type LlmPolicyOptions } from '../../src/extraction/llm-policy.ts';
import { OllamaChat } from '../../src/extraction/ollama-chat.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { LogCapture } from './app.ts';
import { type FakeOllama, startFakeOllama } from './fake-ollama.ts';

export const MODEL = 'llama3.1:8b';

export const FAST_POLICY: LlmPolicyOptions = { timeoutMs: 300, maxAttempts: 3, backoffMs: 10, breakerThreshold: 3, halfOpenAfterMs: 300 };

export interface ExtractionRig {
  fake: FakeOllama;
  chat: OllamaChat;
  policy: LlmPolicy;
  extractor: ContactExtractor;
  registry: Registry;
  logs: LogCapture;
  /** Value of a sample in the registry's exposition, e.g. 'atende_extraction_total{outcome="ok"}'. */
  metric(sample: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function extractionRig(policy: Partial<LlmPolicyOptions> = {}, host?: string): Promise<ExtractionRig> {
  const fake = await startFakeOllama();
  const registry = new Registry();
  const logs = new LogCapture();
  const logger = createLogger({ level: 'info', destination: logs });
  const chat = new OllamaChat({ host: host ?? fake.url, model: MODEL, prompt: await loadExtractionPrompt() });
  const llmPolicy = new LlmPolicy({ ...FAST_POLICY, ...policy });
  const extractor = new ContactExtractor({ chat, policy: llmPolicy, metrics: extractionMetrics(registry), logger });
  return {
    fake,
    chat,
    policy: llmPolicy,
    extractor,
    registry,
    logs,
    async metric(sample) {
      const text = await registry.metrics();
      const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
      return line === undefined ? undefined : Number(line.slice(sample.length + 1));
    },
    async close() {
      extractor.close();
      await fake.close();
    },
  };
}
