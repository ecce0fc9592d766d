// WhatsApp through Baileys (WhatsApp Web's multi-device protocol): one linked number per
// session. Only a process that runs workers and holds the lease (lease.ts) opens the socket;
// inbound messages go to the intake first, before anything else can fail; replies go out
// through the open socket (sender.ts). Around that: a recipient's retry is answered from the
// outbound store (resend-lookup.ts), a silent socket is reconnected (liveness-watchdog.ts),
// an undecryptable message gets a request to send it again (undecryptable.ts), the number can
// be linked by pairing code as well as by QR, and presence.ts marks messages read and typing.
import { ConflictError, UnavailableError } from '../../src/domain/errors.ts';
import { withDeadline } from '../../src/util/deadline.ts';
import type { Registry } from 'prom-client';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import type { RedisClients } from '../../src/locks/redis.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { Connector, ConnectorContext, ConnectorHealth, InboundMessage } from '../types.ts';
import { useDatabaseAuthState, whatsappKeyEraser } from './auth-state.ts';
import type { WhatsappChannelConfig } from './config.ts';
import { WhatsappConnection } from './connection.ts';
import { normalizeUpsert, WHATSAPP_CHANNEL } from './normalize.ts';
import { maskJid } from './jid.ts';
import { downloadWhatsappMedia } from './media-download.ts';
import { withNumberedOptions } from './numbered-options.ts';
import { LocalLease, RedisLease, type SocketLease } from './lease.ts';
import { createWhatsappMetrics } from './metrics.ts';
import { WhatsappPresence, whatsappTurnPresence } from './presence.ts';
import { createResendLookup, type SentTextStore } from './resend-lookup.ts';
import { UndecryptableReplies } from './undecryptable.ts';
import { WhatsappSender } from './sender.ts';
import { deliveryStatuses } from './receipts.ts';
import { whatsappRoutes, type WhatsappStatusView } from './routes.ts';
import { SharedStatus } from './shared-status.ts';
import { baileysSocketFactory, type WhatsappSocket, type WhatsappSocketFactory } from './socket.ts';

export interface WhatsappConnectorDeps {
  prisma: PrismaClient;
  config: WhatsappChannelConfig;
  logger: Logger;
  registry: Registry;
  redis?: RedisClients;
  /** The outbound store, read to answer a recipient's retry of a message we sent. */
  sentTexts?: SentTextStore;
  /** Makes the socket; Baileys' makeWASocket by default (tests pass a fake). */
  socketFactory?: WhatsappSocketFactory;
  /** Where the terminal QR goes (stdout by default). */
  qrOutput?: NodeJS.WritableStream;
  random?: () => number;
}

// Intake unavailable (database down): keep retrying the batch — WhatsApp already counts it
// delivered — for about 10 minutes (1 s … 30 s apart), in order, before giving up loudly.
const INTAKE_ATTEMPTS = 25;
const intakeDelay = (attempt: number) => Math.min(30_000, 500 * 2 ** attempt);
// The LID→PN mapping is a local key-store read; it must not hold up a message for long.
const MAPPING_TIMEOUT_MS = 2_000;
// WhatsApp answers a pairing-code request in about a second; past this it is not coming.
const PAIRING_TIMEOUT_MS = 15_000;

/** The account id of a JID: its user part (the bot's number, without device). */
const accountOf = (jid: string | undefined) => /^(\d{5,20})[:@]/.exec(jid ?? '')?.[1];

/** The connector, with its read-receipt and typing indicator for the turn runner to use. */
export type WhatsappConnector = Connector & { presence: WhatsappPresence };

const alreadyConnected = () => new ConflictError('already-connected', 'a WhatsApp number is linked and connected; unlink it on the phone (Linked devices) to link another');

export function createWhatsappConnector(deps: WhatsappConnectorDeps): WhatsappConnector {
  const { config } = deps;
  const logger = deps.logger.child({ channel: WHATSAPP_CHANNEL });
  const metrics = createWhatsappMetrics(deps.registry);
  let context: ConnectorContext | undefined;
  let running = false;
  let inbound: Promise<void> = Promise.resolve();
  let lease: SocketLease | undefined;
  let refresh: NodeJS.Timeout | undefined;
  const shared = deps.redis ? new SharedStatus(deps.redis.commands, `${deps.redis.namespace}:whatsapp:${config.session}:status`, config.lease.leaseMs) : undefined;
  /** Whether this process is the one running the socket (not standby, not stopped). */
  const runsSocket = () => !['standby', 'stopped'].includes(connection.status().state);
  const publish = () => {
    if (shared && runsSocket()) void shared.publish({ view: localView(), ...(connection.qr() ? { qr: connection.qr() } : {}) });
  };

  const deliver = async (messages: InboundMessage[]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await context!.intake.receive(messages);
        return;
      } catch (err) {
        if (!running || attempt >= INTAKE_ATTEMPTS) {
          logger.error({ event: 'whatsapp_inbound_lost', count: messages.length, err: { message: (err as Error).message } }, 'WhatsApp messages could not be stored and were given up');
          return;
        }
        logger.warn({ event: 'whatsapp_intake_retry', count: messages.length, attempt, err: { message: (err as Error).message } }, 'could not store WhatsApp messages; retrying');
        await new Promise((r) => setTimeout(r, intakeDelay(attempt)).unref());
      }
    }
  };

  const handleUpsert = async (event: unknown, sock: WhatsappSocket) => {
    const accountId = accountOf(connection.ownJid() ?? sock.user?.id) ?? config.session;
    const mapping = sock.signalRepository?.lidMapping;
    const { messages, skipped, undecryptable } = await normalizeUpsert(event, {
      accountId,
      allowGroups: config.allowGroups,
      ...(mapping ? { pnForLid: (lid: string) => withDeadline(mapping.getPNForLID(lid), MAPPING_TIMEOUT_MS, () => new Error('LID mapping read timed out')) } : {}),
    });
    for (const [reason, n] of Object.entries(skipped)) metrics.skipped.inc({ reason }, n);
    for (const stub of undecryptable) unreadable.received(stub);
    for (const m of messages) unreadable.readable(m.chatId, m.messageId);
    if (messages.length && context) await deliver(messages);
  };

  const connection: WhatsappConnection = new WhatsappConnection({
    loadAuth: () => useDatabaseAuthState(deps.prisma, config.session),
    factory: deps.socketFactory ?? baileysSocketFactory,
    logger,
    metrics,
    backoff: config.backoff,
    printQr: config.printQr,
    ...(deps.qrOutput ? { qrOutput: deps.qrOutput } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    // One upsert at a time, in arrival order: the inbox keeps the order WhatsApp gave.
    onUpsert: (event, sock) => {
      inbound = inbound.then(() => handleUpsert(event, sock)).catch((err: Error) => logger.error({ event: 'whatsapp_inbound_failed', err: { message: err.message } }, 'WhatsApp messages not handled'));
    },
    onChange: () => publish(),
    onMessageUpdates: (updates) => {
      const statuses = deliveryStatuses(updates);
      for (const s of statuses) void context?.deliveryStatus.record(s).catch(() => {});
    },
    ...(deps.sentTexts
      ? {
          getMessage: createResendLookup({
            store: deps.sentTexts,
            accountId: (): string | undefined => accountOf(connection.ownJid()),
            pnForLid: async (lid) => (await connection.openSocket()?.signalRepository?.lidMapping?.getPNForLID(lid)) ?? null,
          }),
        }
      : {}),
    ...(config.watchdog ? { watchdog: config.watchdog } : {}),
  });

  const sender = new WhatsappSender(() => {
    const sock = connection.openSocket();
    if (sock) return { sock };
    return { why: connection.status().state === 'standby' ? 'standby' : 'not-connected' };
  });

  const unreadable = new UndecryptableReplies({
    send: (chatId, text, key) => sender.sendText(chatId, text, key),
    metrics,
    logger,
    ...(config.undecryptableGraceMs !== undefined ? { graceMs: config.undecryptableGraceMs } : {}),
  });

  const pairingCode = async (phoneDigits: string): Promise<string> => {
    if (!runsSocket()) {
      const relayed = await remote();
      if (relayed?.view.state === 'connected') throw alreadyConnected();
      throw new UnavailableError('this replica does not hold the WhatsApp socket; try again (another replica answers) or call the one that holds it', 1, 'not-lease-holder');
    }
    const { state } = connection.status();
    if (state === 'connected') throw alreadyConnected();
    const sock = connection.linkingSocket();
    if (!sock) throw new UnavailableError(`the WhatsApp socket is not ready for linking yet (state: ${state}); try again in a few seconds`, 2, 'not-ready');
    try {
      const code = await withDeadline(sock.requestPairingCode(phoneDigits), PAIRING_TIMEOUT_MS, () => new Error(`no answer within ${PAIRING_TIMEOUT_MS} ms`));
      logger.info({ event: 'whatsapp_pairing_code' }, 'WhatsApp pairing code issued: type it on the phone (Linked devices → Link with phone number instead)');
      return code;
    } catch (err) {
      logger.warn({ event: 'whatsapp_pairing_code_failed', err: { message: (err as Error).message } }, 'WhatsApp gave no pairing code');
      throw new UnavailableError('WhatsApp did not give a pairing code; try again, or scan the QR', 5, 'pairing-failed');
    }
  };

  const localView = (): WhatsappStatusView => {
    const s = connection.status();
    const me = maskJid(s.me?.replace(/:\d+@/, '@'));
    return {
      state: s.state,
      since: s.since.toISOString(),
      session: config.session,
      ...(me ? { me } : {}),
      ...(s.lastDisconnect ? { lastDisconnect: { ...s.lastDisconnect, at: s.lastDisconnect.at.toISOString() } } : {}),
      reconnectAttempt: s.reconnectAttempt,
      source: 'local',
    };
  };
  // A replica without the socket answers with what the holder published, if it is alive.
  const remote = async () => (shared && !runsSocket() ? shared.read() : undefined);
  const presence = new WhatsappPresence(() => connection.openSocket());

  return {
    channel: WHATSAPP_CHANNEL,
    routes: whatsappRoutes({
      qr: async () => (runsSocket() ? connection.qr() : (await remote())?.qr),
      status: async () => {
        const relayed = await remote();
        return relayed ? { ...relayed.view, source: 'lease-holder' } : localView();
      },
      pairingCode,
    }),
    async start(ctx) {
      context = ctx;
      running = true;
      // API-only processes never hold the socket: the workers' process does.
      if (!ctx.runsWorkers) return void (await connection.disconnect('standby'));
      await connection.disconnect('standby');
      lease = deps.redis ? new RedisLease(deps.redis.commands, `${deps.redis.namespace}:lease:whatsapp:${config.session}`, logger, config.lease) : new LocalLease();
      lease.start({
        onAcquired: () => running && connection.connect(),
        onLost: () => void connection.disconnect('standby'),
      });
      // Keeps the published state alive while this replica runs the socket.
      if (shared) (refresh = setInterval(publish, config.lease.extendEveryMs)).unref();
    },
    async stop() {
      running = false;
      clearInterval(refresh);
      const wasRunning = runsSocket();
      // Socket closed before the lease is released: never two sockets for one login.
      await connection.disconnect('stopped');
      if (wasRunning) await shared?.clear();
      await lease?.stop();
      await inbound;
      await unreadable.stop();
    },
    downloadMedia: (media, limits) => downloadWhatsappMedia(media, limits, connection.openSocket(), logger),
    sendText: (chatId, text, idempotencyKey, options) => sender.sendText(chatId, withNumberedOptions(text, options?.options), idempotencyKey),
    async health(): Promise<ConnectorHealth> {
      const { state, lastDisconnect } = connection.status();
      if (state === 'connected') return { status: 'up' };
      if (state === 'logged-out') return { status: 'down', detail: 'logged out: scan a new QR (GET /channels/whatsapp/qr)' };
      if (state === 'standby') return { status: 'degraded', detail: 'another replica holds the WhatsApp socket' };
      const why = lastDisconnect?.reason === 'watchdog' ? ' after the socket went silent (watchdog)' : '';
      return { status: 'degraded', detail: `WhatsApp ${state}${why}` };
    },
    eraseSubject: whatsappKeyEraser(config.session),
    presence,
    turnPresence: whatsappTurnPresence(presence),
  };
}
