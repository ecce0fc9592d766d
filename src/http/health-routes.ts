import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

export type CheckStatus = 'up' | 'degraded' | 'down';

/** A dependency the readiness probe asks. `down` fails readiness; `degraded` does not
 * (e.g. the LLM: without it the bot still works, field by field). */
export interface HealthCheck {
  name: string;
  check(): Promise<{ status: CheckStatus; detail?: string }>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: HealthCheck) {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check.check(),
      new Promise<{ status: CheckStatus; detail: string }>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'down', detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    return { status: 'down' as const, detail: (err as Error).message.split('\n')[0]!.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

const checkResult = z.object({ status: z.enum(['up', 'degraded', 'down']), detail: z.string().optional() });
const readiness = z.object({ status: z.enum(['up', 'degraded', 'down']), checks: z.record(z.string(), checkResult) });

export const healthRoutes: FastifyPluginAsyncZod<{ checks: HealthCheck[] }> = async (app, { checks }) => {
  app.get(
    '/health/live',
    { config: { public: true }, schema: { tags: ['health'], summary: 'The process is alive', security: [], response: { 200: z.object({ status: z.literal('up') }) } } },
    async () => ({ status: 'up' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: { public: true },
      schema: { tags: ['health'], summary: 'Dependencies answer (503 when one is down)', security: [], response: { 200: readiness, 503: readiness } },
    },
    async (_request, reply) => {
      const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
      const statuses = results.map(([, r]) => r.status);
      const status: CheckStatus = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'up';
      return reply.code(status === 'down' ? 503 : 200).send({ status, checks: Object.fromEntries(results) });
    },
  );
};
