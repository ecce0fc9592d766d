// A whole test app with the WhatsApp (Baileys) channel enabled, built through the real
// composition root: the only stand-in is the socket (channelOverrides.whatsappSocket), a fake
// with Baileys' event API. Each app gets its own factory, so a test can tell which replica's
// socket sent what.
import type { Connector } from '../../connectors/types.ts';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';
import { BOT_JID, fakeSocketFactory, type FakeWhatsappSocket } from './fake-whatsapp-socket.ts';

export interface WhatsappApp {
  t: TestApp;
  /** The sockets this app's connector made, in order. */
  sockets: ReturnType<typeof fakeSocketFactory>;
  connector: Connector;
  /** Opens socket 0 as the bot's number (the app has made it once it holds the lease). */
  connect(): Promise<FakeWhatsappSocket>;
}

export async function startWhatsappApp(options: Omit<TestAppOptions, 'channelOverrides'>): Promise<WhatsappApp> {
  const sockets = fakeSocketFactory();
  const t = await startTestApp({
    ...options,
    env: { WHATSAPP_BAILEYS_ENABLED: 'true', WHATSAPP_BAILEYS_PRINT_QR: 'false', ...options.env },
    channelOverrides: { whatsappSocket: sockets.factory },
  });
  const connector = t.atende.connectors.get('whatsapp');
  if (!connector) throw new Error('the app did not register the WhatsApp connector');
  return {
    t,
    sockets,
    connector,
    async connect() {
      const sock = await sockets.socket(0);
      sock.open(BOT_JID);
      return sock;
    },
  };
}
