// Builds extraction from the configuration, in dependency order: prompt → Ollama caller →
// resilience policy → ContactExtractor → MCP server → the MCP client the app uses. With MCP_URL
// set, only the client is built: the remote server owns Ollama, its breaker and metrics.
import type { Registry } from 'prom-client';
import type { Config } from '../config/env.ts';
import type { ContactService } from '../contacts/contact-service.ts';
import type { HealthCheck } from '../http/health-routes.ts';
import { createMcpServer } from '../mcp/mcp-server.ts';
import type { Logger } from '../observability/logger.ts';
import { ContactExtractor } from './contact-extractor.ts';
import { loadExtractionPrompt } from './extraction-prompt.ts';
import { extractionMetrics } from './extraction-metrics.ts';
import { LlmPolicy, llmPolicyOptions, worstCaseMs } from './llm-policy.ts';
import { type Extractor, McpExtractor } from './mcp-extractor.ts';
import { OllamaChat } from './ollama-chat.ts';
import { checkOllamaAtStartup, ollamaHealthCheck } from './ollama-health.ts';

export interface ExtractionDeps {
  config: Config;
  logger: Logger;
  registry: Registry;
  version: string;
  /** Offers the contact tools on the MCP server when given. */
  contacts?: ContactService;
}

/** Ollama + policy + validation: what the `extract_contact` tool runs. */
export async function createContactExtractor({ config, logger, registry }: Omit<ExtractionDeps, 'version' | 'contacts'>) {
  const chat = new OllamaChat({ host: config.OLLAMA_HOST, model: config.OLLAMA_MODEL, prompt: await loadExtractionPrompt() });
  const policy = new LlmPolicy(llmPolicyOptions(config));
  const extractor = new ContactExtractor({ chat, policy, metrics: extractionMetrics(registry), logger });
  // Bounded so a black-holed OLLAMA_HOST cannot hold up start-up.
  // Its verdict feeds the breaker: unreachable → open from the first turn on.
  await checkOllamaAtStartup(chat, logger, Math.min(config.LLM_TIMEOUT_MS, 2_000), policy);
  return { chat, policy, extractor, healthCheck: ollamaHealthCheck(chat, policy) };
}

export interface ExtractionStack {
  /** The app's only entry to extraction (an MCP client). */
  extractor: Extractor;
  healthCheck: HealthCheck;
  close(): Promise<void>;
}

// The MCP call outlives the LLM policy's worst case, so the policy, not the transport, decides.
const CALL_MARGIN_MS = 5_000;

export async function createExtractionStack(deps: ExtractionDeps): Promise<ExtractionStack> {
  const { config, logger } = deps;
  const callTimeoutMs = worstCaseMs(llmPolicyOptions(config)) + CALL_MARGIN_MS;
  if (config.MCP_URL) {
    const remote = McpExtractor.remote(config.MCP_URL, config.MCP_TOKEN, { callTimeoutMs, logger, metrics: extractionMetrics(deps.registry) });
    logger.info({ event: 'extraction_remote', url: config.MCP_URL }, `extraction through the MCP server at ${config.MCP_URL}`);
    return { extractor: remote, healthCheck: remote.healthCheck(), close: () => remote.close() };
  }
  const local = await createContactExtractor(deps);
  const client = await McpExtractor.inProcess(
    () => createMcpServer({ extractor: local.extractor, contacts: deps.contacts, logger, version: deps.version }),
    { callTimeoutMs, logger },
  );
  return {
    extractor: client,
    healthCheck: local.healthCheck,
    async close() {
      local.extractor.close();
      await client.close();
    },
  };
}
