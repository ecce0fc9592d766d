// Is the LLM there? Asked at start-up (a clear warning with the command to fix a missing
// model) and by /health/ready. Without Ollama the bot still works, field by field, so this is
// never "down" — only "degraded".
import type { HealthCheck } from '../http/health-routes.ts';
import type { Logger } from '../observability/logger.ts';
import type { LlmPolicy } from './llm-policy.ts';
import { hasModel, LlmCallError, type OllamaChat } from './ollama-chat.ts';

export type OllamaStatus = { status: 'up' } | { status: 'degraded'; detail: string; problem: 'unreachable' | 'model_missing' };

export async function probeOllama(chat: OllamaChat, timeoutMs: number): Promise<OllamaStatus> {
  try {
    const models = await chat.models(AbortSignal.timeout(timeoutMs));
    if (hasModel(models, chat.model)) return { status: 'up' };
    return { status: 'degraded', problem: 'model_missing', detail: `model ${chat.model} is not pulled (run: ollama pull ${chat.model})` };
  } catch (err) {
    return { status: 'degraded', problem: 'unreachable', detail: `ollama at ${chat.host} does not answer: ${(err as Error).message}` };
  }
}

/** An unreachable LLM opens the breaker: the calls it would fail fast anyway (see reportOutage). */
async function feedBreaker(result: OllamaStatus, policy: LlmPolicy | undefined): Promise<void> {
  if (policy && result.status === 'degraded' && result.problem === 'unreachable') {
    await policy.reportOutage(new LlmCallError('unreachable', result.detail));
  }
}

/**
 * Logs what an operator must do; resolves whatever the answer (the service runs anyway). An
 * unreachable LLM opens `policy`'s breaker, so a fresh worker's first turns do not spend
 * seconds on retries this check already knows will fail.
 */
export async function checkOllamaAtStartup(chat: OllamaChat, logger: Logger, timeoutMs: number, policy?: LlmPolicy): Promise<OllamaStatus> {
  const result = await probeOllama(chat, timeoutMs);
  await feedBreaker(result, policy);
  if (result.status === 'up') {
    logger.info({ event: 'llm_ready', model: chat.model }, `LLM ready: ${chat.model} at ${chat.host}`);
  } else if (result.problem === 'model_missing') {
    logger.warn(
      { event: 'llm_model_missing', model: chat.model },
      `Ollama at ${chat.host} has no model ${chat.model}: run \`ollama pull ${chat.model}\`. Until then the bot asks field by field.`,
    );
  } else {
    logger.warn(
      { event: 'llm_unreachable', model: chat.model },
      `Ollama at ${chat.host} is not reachable: extraction is off and the bot asks field by field. Start Ollama and run \`ollama pull ${chat.model}\`.`,
    );
  }
  return result;
}

export function ollamaHealthCheck(chat: OllamaChat, policy: LlmPolicy, timeoutMs = 1_500): HealthCheck {
  return {
    name: 'llm',
    async check() {
      if (policy.circuitOpen) return { status: 'degraded', detail: 'circuit breaker open: extraction fails fast' };
      const result = await probeOllama(chat, timeoutMs);
      await feedBreaker(result, policy);
      return result.status === 'up' ? { status: 'up' } : { status: 'degraded', detail: result.detail };
    },
  };
}
