// The web chat channel: a small HTTP API that any front end (or `npm run chat`) can use to
// talk to the bot. Sessions are bearer tokens; replies are read after a cursor or streamed.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AccessTokenVerifier } from '../../src/http/auth-guard.ts';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import type { Connector, ConnectorContext, ConnectorHealth, Intake } from '../types.ts';
import { WindowLimiter } from '../../src/http/window-limiter.ts';
import { enforce } from './auth.ts';
import type { WebChannelConfig } from './config.ts';
import type { WebChatEvents } from './events.ts';
import { WEB_CHANNEL, webInboundRoutes } from './routes.ts';
import { WebMailbox, eraseWebChatSubject } from './mailbox.ts';
import { webOutboundRoutes } from './reply-routes.ts';
import { WebSessionTokens } from './session-token.ts';

export interface WebConnectorDeps {
  prisma: PrismaClient;
  config: WebChannelConfig;
  /** Shared by all replicas (JWT_SECRET): session tokens are signed with a key derived from it. */
  jwtSecret: string;
  accessTokens: AccessTokenVerifier;
  events: WebChatEvents;
}

export function createWebConnector(deps: WebConnectorDeps): Connector {
  const tokens = new WebSessionTokens(deps.jwtSecret);
  const mailbox = new WebMailbox(deps.prisma);
  let intake: Intake | undefined;

  const inbound = webInboundRoutes({ config: deps.config, tokens, accessTokens: deps.accessTokens, intake: () => intake });
  const outbound = webOutboundRoutes({ tokens, accessTokens: deps.accessTokens, mailbox, events: deps.events });
  const routes: FastifyPluginAsyncZod = async (app) => {
    // One budget per IP across every web chat endpoint (sessions, messages, reads, streams).
    const perIp = new WindowLimiter(deps.config.requestsPerMinutePerIp, 60_000);
    app.addHook('onRequest', (request, _reply, done) => {
      enforce(perIp, request.ip, 'requests from this address');
      done();
    });
    await app.register(inbound);
    await app.register(outbound);
  };

  return {
    channel: WEB_CHANNEL,
    // The mailbox keeps one row per idempotency key: a resent reply shows once.
    idempotentDelivery: true,
    routes,
    async start(context: ConnectorContext) {
      intake = context.intake;
    },
    async stop() {
      intake = undefined;
      await deps.events.close();
    },
    // "digitando…" on the chat's streams while a turn runs; a lost signal costs only the hint.
    turnPresence: {
      turnStarted({ chatId }, outcome) {
        const signal = (typing: boolean) => void deps.events.typing(chatId, typing).then(() => outcome(true), () => outcome(false));
        signal(true);
        return { stop: () => signal(false) };
      },
    },
    async sendText(chatId, text, idempotencyKey, options) {
      await mailbox.deliver(chatId, text, idempotencyKey, options?.options);
      // Also after a redelivery: the first attempt may have stored the reply and died before
      // signalling it.
      await deps.events.notify(chatId);
    },
    async health(): Promise<ConnectorHealth> {
      return { status: 'up' };
    },
    eraseSubject: eraseWebChatSubject,
  };
}
