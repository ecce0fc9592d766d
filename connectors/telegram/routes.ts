// POST /webhooks/telegram: Telegram pushes updates here once `npm run telegram:set-webhook`
// registered the URL. https://core.telegram.org/bots/api#setwebhook
// - The secret token given to setWebhook comes back in X-Telegram-Bot-Api-Secret-Token on
//   every call; it is checked (timing-safe) before the body is even parsed: 401 otherwise.
// - 200 once the update is stored, ignored (edits, groups…) or unreadable: any other status
//   makes Telegram redeliver, and an update we cannot read would come back forever.
// - 503 when the intake cannot store it (database down): Telegram redelivers later, and
//   holds back the updates after it meanwhile, which keeps the chat's order.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UnauthorizedError } from '../../src/domain/errors.ts';
import { secretsEqual } from '../../src/http/secrets.ts';
import type { TelegramUpdateIntake } from './update-intake.ts';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';


export function telegramWebhookRoutes(deps: { secret: string; updates: TelegramUpdateIntake }): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/webhooks/telegram',
      {
        config: { public: true, chatInbound: true },
        onRequest: async (request: FastifyRequest) => {
          if (!secretsEqual(request.headers[SECRET_HEADER], deps.secret)) {
            throw new UnauthorizedError('missing or wrong X-Telegram-Bot-Api-Secret-Token');
          }
        },
        schema: {
          tags: ['channels'],
          summary: 'Telegram webhook (X-Telegram-Bot-Api-Secret-Token required)',
          security: [],
          // Checked by the normalizer, leniently: a body we cannot read is acknowledged, not refused.
          body: z.unknown(),
          response: { 200: z.object({ ok: z.literal(true), outcome: z.string() }) },
        },
      },
      async (request) => {
        const { outcomes } = await deps.updates.receive([request.body], 'webhook');
        return { ok: true as const, outcome: outcomes[0] ?? 'ignored' };
      },
    );
  };
}
