// The life of the WhatsApp socket: open it with the stored login, follow its
// 'connection.update' events (QR, open, close), reconnect as reconnect-policy.ts says, and
// report the state truthfully. Each socket gets a generation number: events of a socket
// that was replaced are ignored, so a late 'close' cannot tear down its successor. While
// open, a liveness watchdog (liveness-watchdog.ts) closes a socket that went silent and
// reconnects it by the same policy as any other close.
import QRCode from 'qrcode';
import type { Logger } from '../../src/observability/logger.ts';
import type { DatabaseAuthState } from './auth-state.ts';
import { CONNECTION_STATES, type ConnectionState, type WhatsappMetrics } from './metrics.ts';
import { LivenessWatchdog, type WatchdogOptions } from './liveness-watchdog.ts';
import { type BackoffOptions, backoffDelay, closeAction, reasonName, statusCodeOf } from './reconnect-policy.ts';
import type { SocketFactoryInput, WhatsappSocket, WhatsappSocketEvents, WhatsappSocketFactory } from './socket.ts';

export interface ConnectionOptions {
  loadAuth: () => Promise<DatabaseAuthState>;
  factory: WhatsappSocketFactory;
  logger: Logger;
  metrics: WhatsappMetrics;
  backoff: BackoffOptions;
  /** Print each new QR in the terminal (where `npm start` runs). */
  printQr: boolean;
  qrOutput?: NodeJS.WritableStream;
  random?: () => number;
  /** The socket's message events, for the connector to handle. */
  onUpsert(event: WhatsappSocketEvents['messages.upsert'], socket: WhatsappSocket): void;
  onMessageUpdates(updates: WhatsappSocketEvents['messages.update']): void;
  /** The state or the QR changed (to publish them for other replicas). */
  onChange?(): void;
  /** Handed to every socket: the content of a sent message, for a recipient's retry. */
  getMessage?: SocketFactoryInput['getMessage'];
  /** Reconnect an open socket that received nothing for this long; absent: no watchdog. */
  watchdog?: WatchdogOptions;
}

export interface ConnectionStatus {
  state: ConnectionState;
  since: Date;
  /** The logged-in number's JID (unmasked: callers mask it for display). */
  me?: string;
  lastDisconnect?: { reason: string; code?: number; at: Date };
  reconnectAttempt: number;
}

export class WhatsappConnection {
  private state: ConnectionState = 'stopped';
  private since = new Date();
  private generation = 0;
  private sock: WhatsappSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private latestQr: string | undefined;
  private me: string | undefined;
  private lastDisconnect: ConnectionStatus['lastDisconnect'];
  private credsWrites: Promise<void> = Promise.resolve();
  private active = false;
  private watchdog: LivenessWatchdog | undefined;

  constructor(private readonly opts: ConnectionOptions) {
    this.reportState();
  }

  status(): ConnectionStatus {
    return { state: this.state, since: this.since, ...(this.me ? { me: this.me } : {}), ...(this.lastDisconnect ? { lastDisconnect: this.lastDisconnect } : {}), reconnectAttempt: this.attempts };
  }

  /** The QR to scan now, if the socket is waiting for one. */
  qr(): string | undefined {
    return this.state === 'qr' ? this.latestQr : undefined;
  }

  /** The socket while it waits to be linked (a QR is up): a pairing code can be asked for then. */
  linkingSocket(): WhatsappSocket | undefined {
    return this.state === 'qr' ? this.sock : undefined;
  }

  /** The socket, only while it is open. */
  openSocket(): WhatsappSocket | undefined {
    return this.state === 'connected' ? this.sock : undefined;
  }

  /** The bot's own JID as the login knows it. */
  ownJid(): string | undefined {
    return this.me;
  }

  connect(): void {
    if (this.active) return;
    this.active = true;
    this.attempts = 0;
    void this.open();
  }

  /** Closes the socket (keeping the login) and stays in `next` until connect() again. */
  async disconnect(next: 'standby' | 'stopped'): Promise<void> {
    this.active = false;
    this.generation++;
    clearTimeout(this.timer);
    this.stopWatchdog();
    const sock = this.sock;
    this.sock = undefined;
    this.latestQr = undefined;
    this.setState(next);
    if (sock) {
      sock.ev.removeAllListeners('connection.update');
      await Promise.resolve(sock.end(undefined)).catch(() => {});
    }
    await this.credsWrites;
  }

  private setState(state: ConnectionState) {
    if (state !== this.state) {
      this.state = state;
      this.since = new Date();
    }
    this.reportState();
    this.opts.onChange?.();
  }

  private reportState() {
    for (const s of CONNECTION_STATES) this.opts.metrics.state.set({ state: s }, s === this.state ? 1 : 0);
  }

  private async open(): Promise<void> {
    if (!this.active) return;
    const gen = ++this.generation;
    if (this.state !== 'logged-out') this.setState('connecting');
    try {
      const auth = await this.opts.loadAuth();
      if (gen !== this.generation) return;
      const sock = await this.opts.factory({ auth, logger: this.opts.logger, ...(this.opts.getMessage ? { getMessage: this.opts.getMessage } : {}) });
      if (gen !== this.generation) {
        await Promise.resolve(sock.end(undefined)).catch(() => {});
        return;
      }
      this.sock = sock;
      this.me = auth.state.creds.me?.id ?? this.me;
      // Anything that arrives is a sign of life for the watchdog.
      const alive = () => gen === this.generation && this.watchdog?.touch();
      sock.ws.on('frame', alive);
      sock.ev.on('creds.update', () => {
        alive();
        // In order, and never lost to a rejected predecessor.
        this.credsWrites = this.credsWrites
          .then(() => auth.saveCreds())
          .catch((err: Error) => this.opts.logger.error({ event: 'whatsapp_creds_save_failed', err: { message: err.message } }, 'could not store WhatsApp credentials'));
      });
      sock.ev.on('connection.update', (update) => (alive(), void this.onUpdate(gen, sock, auth, update)));
      sock.ev.on('messages.upsert', (event) => (alive(), gen === this.generation && this.opts.onUpsert(event, sock)));
      sock.ev.on('messages.update', (updates) => (alive(), gen === this.generation && this.opts.onMessageUpdates(updates)));
    } catch (err) {
      if (gen !== this.generation) return;
      this.opts.logger.error({ event: 'whatsapp_socket_failed', err: { message: (err as Error).message } }, 'could not open the WhatsApp socket');
      this.retryLater('socket-error');
    }
  }

  private async onUpdate(gen: number, sock: WhatsappSocket, auth: DatabaseAuthState, update: WhatsappSocketEvents['connection.update']) {
    if (gen !== this.generation) return;
    if (update.qr && update.qr !== this.latestQr) {
      this.latestQr = update.qr;
      this.setState('qr');
      this.opts.logger.info({ event: 'whatsapp_qr' }, 'scan the WhatsApp QR code (terminal or GET /channels/whatsapp/qr) with WhatsApp → Linked devices');
      if (this.opts.printQr) await this.printQr(update.qr);
    }
    if (update.connection === 'open') {
      this.attempts = 0;
      this.latestQr = undefined;
      this.me = sock.user?.id ?? auth.state.creds.me?.id ?? this.me;
      this.setState('connected');
      this.opts.logger.info({ event: 'whatsapp_connected' }, 'WhatsApp connected');
      this.startWatchdog(gen, sock);
    }
    if (update.connection === 'close') await this.onClose(gen, update.lastDisconnect?.error, auth);
  }

  private async onClose(gen: number, error: unknown, auth: DatabaseAuthState) {
    this.stopWatchdog();
    this.sock = undefined;
    this.latestQr = undefined;
    const code = statusCodeOf(error);
    const reason = reasonName(code);
    this.lastDisconnect = { reason, ...(code !== undefined ? { code } : {}), at: new Date() };
    this.opts.metrics.reconnects.inc({ reason });
    const action = closeAction(code);
    if (action === 'logged-out') {
      this.opts.logger.warn({ event: 'whatsapp_logged_out', disconnectReason: reason }, 'WhatsApp login ended (logged out or forbidden): clearing it; scan a new QR to link the number again');
      this.me = undefined;
      this.setState('logged-out');
      try {
        await this.credsWrites;
        await auth.clear();
      } catch (err) {
        this.opts.logger.error({ event: 'whatsapp_auth_clear_failed', err: { message: (err as Error).message } }, 'could not clear the WhatsApp login; retrying');
        return this.retryLater(reason);
      }
      if (gen === this.generation) void this.open();
      return;
    }
    if (action === 'reconnect-now') {
      this.opts.logger.info({ event: 'whatsapp_restart', disconnectReason: reason }, 'WhatsApp asked for a restart; reconnecting');
      if (gen === this.generation) void this.open();
      return;
    }
    this.retryLater(reason);
  }

  private startWatchdog(gen: number, sock: WhatsappSocket) {
    if (!this.opts.watchdog) return;
    this.stopWatchdog();
    this.watchdog = new LivenessWatchdog(this.opts.watchdog, (silentMs) => void this.onSilent(gen, sock, silentMs));
    this.watchdog.start();
  }

  private stopWatchdog() {
    this.watchdog?.stop();
    this.watchdog = undefined;
  }

  /** The open socket went silent: drop it (its late events are ignored) and reconnect. */
  private async onSilent(gen: number, sock: WhatsappSocket, silentMs: number) {
    if (gen !== this.generation || this.state !== 'connected') return;
    this.watchdog = undefined;
    this.sock = undefined;
    const reason = 'watchdog';
    this.lastDisconnect = { reason, at: new Date() };
    this.opts.metrics.reconnects.inc({ reason });
    this.opts.metrics.watchdogReconnects.inc();
    this.opts.logger.warn({ event: 'whatsapp_watchdog', silentMs }, 'WhatsApp socket received nothing for too long; closing it and reconnecting');
    // The next generation starts here, so the dead socket's 'close' (if it ever comes) is ignored.
    this.retryLater(reason);
    sock.ev.removeAllListeners('connection.update');
    // A wedged socket may never finish closing: do not wait for it.
    void Promise.resolve()
      .then(() => sock.end(undefined))
      .catch(() => {});
  }

  private retryLater(reason: string) {
    if (!this.active) return;
    this.generation++;
    this.attempts++;
    const delay = backoffDelay(this.attempts, this.opts.backoff, this.opts.random);
    this.setState('reconnecting');
    this.opts.logger.warn({ event: 'whatsapp_reconnecting', disconnectReason: reason, attempt: this.attempts, delayMs: delay }, 'WhatsApp connection closed; reconnecting');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.open(), delay);
    this.timer.unref();
  }

  private async printQr(qr: string) {
    try {
      const art = await QRCode.toString(qr, { type: 'terminal', small: true });
      (this.opts.qrOutput ?? process.stdout).write(`\nWhatsApp: scan this QR with the bot's phone (WhatsApp → Linked devices → Link a device)\n${art}\n`);
    } catch {
      // The route still serves it.
    }
  }
}
