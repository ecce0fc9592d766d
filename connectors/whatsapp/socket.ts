// The part of a Baileys socket the connector uses, and the factory that makes one. Tests pass
// a factory returning a fake object with the same event API; production uses makeWASocket
// with the database auth state.
import makeWASocket, { Browsers, fetchLatestWaWebVersion, makeCacheableSignalKeyStore, type WAMessage, type WAVersion } from '@whiskeysockets/baileys';
import type { Logger } from '../../src/observability/logger.ts';
import type { DatabaseAuthState } from './auth-state.ts';

/** The events the connector listens to, with the fields it reads (Baileys' BaileysEventMap). */
export interface WhatsappSocketEvents {
  'connection.update': { connection?: 'open' | 'connecting' | 'close'; qr?: string; lastDisconnect?: { error?: unknown; date?: Date } };
  'creds.update': unknown;
  'messages.upsert': { messages: unknown[]; type: string };
  'messages.update': unknown[];
}

export interface WhatsappSocket {
  ev: {
    on<E extends keyof WhatsappSocketEvents>(event: E, listener: (arg: WhatsappSocketEvents[E]) => void): void;
    removeAllListeners(event: keyof WhatsappSocketEvents): void;
  };
  /** Who is logged in ({id: '5511…:12@s.whatsapp.net', lid?, name?}); unset before pairing. */
  readonly user?: { id: string; lid?: string; name?: string };
  sendMessage(jid: string, content: { text: string }): Promise<{ key?: { id?: string | null } } | undefined>;
  /** Closes the connection (emits connection.update 'close'); keeps the login. */
  end(error: Error | undefined): void | Promise<void>;
  /** Asks the sender's phone to upload an expired media file again (Baileys' reuploadRequest). */
  updateMediaMessage?(message: WAMessage): Promise<WAMessage>;
  signalRepository?: { lidMapping?: { getPNForLID(lid: string): Promise<string | null> } };
  /** The websocket under it: 'frame' fires for every frame received (pings' answers too). */
  readonly ws: { on(event: 'frame', listener: (frame: unknown) => void): unknown };
  /** Sends read receipts ("lido", blue ticks) for these received messages. */
  readMessages(keys: { remoteJid: string; id: string; fromMe?: boolean; participant?: string }[]): Promise<void>;
  /** "digitando…" (composing) or stop it (paused) in a chat. */
  sendPresenceUpdate(type: 'composing' | 'paused', toJid?: string): Promise<void>;
  /** Links by code instead of QR: WhatsApp → Linked devices → Link with phone number. */
  requestPairingCode(phoneNumber: string): Promise<string>;
}

export interface SocketFactoryInput {
  auth: DatabaseAuthState;
  logger: Logger;
  /** Baileys' getMessage: the content of a message we sent, for a recipient's retry (resend-lookup.ts). */
  getMessage?: (key: { remoteJid?: string | null; id?: string | null }) => Promise<{ conversation: string } | undefined>;
}

export type WhatsappSocketFactory = (input: SocketFactoryInput) => Promise<WhatsappSocket>;

// WhatsApp refuses (405) clients whose version is too old; Baileys' bundled number ages, so
// ask web.whatsapp.com once per process (5 s at most) and fall back to the bundled one.
let version: Promise<WAVersion | undefined> | undefined;
const latestVersion = () =>
  (version ??= fetchLatestWaWebVersion({ signal: AbortSignal.timeout(5_000) })
    .then((r) => (r.isLatest ? r.version : undefined))
    .catch(() => undefined));

export const baileysSocketFactory: WhatsappSocketFactory = async ({ auth, logger, getMessage }) => {
  // Baileys logs at length, with JIDs in its debug lines: only its warnings and errors pass,
  // through our masking logger.
  const quiet = logger.child({ module: 'baileys' }, { level: 'warn' });
  const v = await latestVersion();
  const sock = makeWASocket({
    auth: { creds: auth.state.creds, keys: makeCacheableSignalKeyStore(auth.state.keys, quiet) },
    logger: quiet,
    browser: Browsers.ubuntu('atende'),
    ...(v ? { version: v } : {}),
    // A bot needs no full chat history, but Baileys' default (initial sync, no FULL) must stay:
    // that sync brings the LID→PN mappings (Baileys 7 warns that disabling it all breaks
    // sessions). Not "online" on connect: it would silence the phone owner's notifications.
    syncFullHistory: false,
    markOnlineOnConnect: false,
    connectTimeoutMs: 20_000,
    defaultQueryTimeoutMs: 30_000,
    // Baileys keeps recent sends in memory for retries; older ones (or after a restart) come
    // from the outbound store.
    ...(getMessage ? { getMessage } : {}),
  });
  // Baileys' event emitter is typed with its full event map; ours is a narrower view of it.
  // The methods are checked against Baileys' own types, so a signature change fails tsc.
  return (sock satisfies Pick<WhatsappSocket, 'sendMessage' | 'readMessages' | 'sendPresenceUpdate' | 'requestPairingCode' | 'end'>) as unknown as WhatsappSocket;
};
