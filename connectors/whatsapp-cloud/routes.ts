// Cloud API webhooks: the GET verification handshake and the signed POST of events. Both are
// public (Meta calls them); the POST proves itself with X-Hub-Signature-256, checked on the
// raw bytes before anything is parsed. A request is acknowledged (200) only once all its
// messages are stored and its statuses recorded; otherwise Meta gets a 5xx and redelivers
// (for up to 7 days), and the intake's dedupe makes the redelivery harmless.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ForbiddenError, UnavailableError, UnauthorizedError, ValidationError } from '../../src/domain/errors.ts';
import type { ConnectorContext } from '../types.ts';
import type { WhatsappCloudConfig } from './config.ts';
import type { WhatsappCloudMetrics } from './metrics.ts';
import { normalizeWebhook } from './normalize.ts';
import { secretsEqual } from '../../src/http/secrets.ts';
import { hasValidSignature } from './signature.ts';

export const WEBHOOK_PATH = '/webhooks/whatsapp-cloud';

export interface WhatsappCloudInboundDeps {
  config: WhatsappCloudConfig;
  metrics: WhatsappCloudMetrics;
  /** Set once the connector started. */
  context: () => ConnectorContext | undefined;
}

const handshakeQuery = z.object({
  'hub.mode': z.string().max(64).optional(),
  'hub.verify_token': z.string().max(512).optional(),
  'hub.challenge': z.string().max(512).optional(),
});

// Meta documents webhook payloads of up to 3 MB (batches); a 413 would only be redelivered.
const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;

const ackBody = z.object({ messages: z.number().int(), duplicates: z.number().int(), statuses: z.number().int() });

export function whatsappCloudInboundRoutes(deps: WhatsappCloudInboundDeps): FastifyPluginAsyncZod {
  return async (app) => {
    // The raw bytes are needed for the HMAC. This parser lives in this plugin's encapsulated
    // scope only: every other route keeps Fastify's JSON parser.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.get(
      WEBHOOK_PATH,
      {
        config: { public: true },
        schema: {
          tags: ['whatsapp cloud'],
          summary: "Meta's webhook verification: echoes hub.challenge when hub.verify_token matches WHATSAPP_CLOUD_VERIFY_TOKEN",
          querystring: handshakeQuery,
        },
      },
      async (request, reply) => {
        const q = request.query;
        const token = q['hub.verify_token'];
        if (q['hub.mode'] !== 'subscribe' || token === undefined || q['hub.challenge'] === undefined || !secretsEqual(token, deps.config.verifyToken)) {
          deps.metrics.webhooks.inc({ outcome: 'handshake_refused' });
          throw new ForbiddenError('hub.mode must be subscribe and hub.verify_token must match the configured verify token');
        }
        deps.metrics.webhooks.inc({ outcome: 'handshake' });
        return reply.code(200).type('text/plain; charset=utf-8').send(q['hub.challenge']);
      },
    );

    app.post(
      WEBHOOK_PATH,
      {
        config: { public: true, chatInbound: true },
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: {
          tags: ['whatsapp cloud'],
          summary: 'Cloud API events (messages, statuses), signed with X-Hub-Signature-256',
          headers: z.object({ 'x-hub-signature-256': z.string().optional() }),
          response: { 200: ackBody },
        },
      },
      async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.from(typeof request.body === 'string' ? request.body : '', 'utf8');
        if (!hasValidSignature(raw, request.headers['x-hub-signature-256'], deps.config.appSecret)) {
          deps.metrics.webhooks.inc({ outcome: 'bad_signature' });
          request.log.warn({ event: 'whatsapp_cloud_bad_signature', bytes: raw.length }, 'webhook refused: bad or missing signature');
          throw new UnauthorizedError('X-Hub-Signature-256 is missing or does not match the body');
        }
        let payload: unknown;
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch {
          deps.metrics.webhooks.inc({ outcome: 'invalid' });
          throw ValidationError.field('body', 'is not valid JSON');
        }
        const result = normalizeWebhook(payload, { phoneNumberId: deps.config.phoneNumberId });
        if (!result.ok) {
          deps.metrics.webhooks.inc({ outcome: 'invalid' });
          throw ValidationError.field('body', result.reason);
        }
        const context = deps.context();
        if (!context) throw new UnavailableError('the WhatsApp channel is starting; try again', 1);

        const { messages, statuses, ignored, invalid } = result.value;
        let duplicates = 0;
        try {
          if (messages.length) duplicates = (await context.intake.receive(messages)).filter((o) => o.duplicate).length;
          for (const status of statuses) await context.deliveryStatus.record(status);
        } catch (err) {
          deps.metrics.webhooks.inc({ outcome: 'unavailable' });
          if (err instanceof UnavailableError) throw err;
          request.log.error({ event: 'whatsapp_cloud_webhook_failed', err }, 'webhook not processed; Meta will redeliver');
          throw new UnavailableError('the events could not be stored right now; they will be redelivered', 5);
        }
        deps.metrics.webhooks.inc({ outcome: 'accepted' });
        deps.metrics.events.inc({ type: 'message' }, messages.length);
        deps.metrics.events.inc({ type: 'status' }, statuses.length);
        deps.metrics.events.inc({ type: 'ignored' }, ignored);
        deps.metrics.events.inc({ type: 'invalid' }, invalid);
        for (const s of statuses) deps.metrics.statuses.inc({ status: s.status });
        if (invalid) request.log.warn({ event: 'whatsapp_cloud_items_invalid', invalid }, 'webhook items without the documented shape were skipped');
        return reply.code(200).send({ messages: messages.length, duplicates, statuses: statuses.length });
      },
    );
  };
}
