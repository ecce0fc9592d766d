// Media of inbound messages through Baileys' downloadMediaMessage: the encrypted file is
// fetched from WhatsApp's media servers and decrypted with the message's mediaKey, as a
// stream read under the cap. A link that expired is re-requested from the sender's phone
// (reuploadRequest = the socket's updateMediaMessage).
//
// The message comes from another WhatsApp user, who could put any `url` in it: Baileys would
// fetch that URL (or one on its host). Only the directPath is used, always on WhatsApp's own
// media host, so a crafted message cannot make us request an address of our network.
import { DEF_MEDIA_HOST, downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys';
import type { Logger } from '../../src/observability/logger.ts';
import { MediaDownloadError, readCapped } from '../../src/voice/read-capped.ts';
import type { InboundMedia, MediaLimits } from '../types.ts';
import type { WhatsappSocket } from './socket.ts';

const DIRECT_PATH = /^\/[A-Za-z0-9_\-./?=&%]{1,1000}$/;

export async function downloadWhatsappMedia(media: InboundMedia, limits: MediaLimits, sock: WhatsappSocket | undefined, logger: Logger): Promise<Uint8Array> {
  const message = media.ref as WAMessage | undefined;
  const audio = audioOf(message?.message);
  const directPath = audio ? (audio.directPath ?? whatsappPath(audio.url)) : undefined;
  if (!message || !audio || typeof directPath !== 'string' || !DIRECT_PATH.test(directPath) || directPath.includes('..')) {
    throw new MediaDownloadError('media: no WhatsApp directPath');
  }
  const safe: WAMessage = { ...message, message: { audioMessage: { ...audio, directPath, url: null } } };
  const stream = await downloadMediaMessage(
    safe,
    'stream',
    { host: DEF_MEDIA_HOST, options: { signal: limits.signal } },
    {
      logger: logger as never,
      reuploadRequest: (m) => (sock?.updateMediaMessage ? sock.updateMediaMessage(m) : Promise.reject(new MediaDownloadError('media: no socket to re-request the file'))),
    },
  );
  return readCapped(stream, limits.maxBytes);
}

/** Older messages carry only `url`: its path is usable when it points at WhatsApp's media servers. */
function whatsappPath(url: string | null | undefined): string | undefined {
  try {
    const u = new URL(url ?? '');
    return u.protocol === 'https:' && /(^|\.)whatsapp\.net$/.test(u.hostname) ? u.pathname + u.search : undefined;
  } catch {
    return undefined;
  }
}

type AudioMessage = NonNullable<NonNullable<WAMessage['message']>['audioMessage']>;

/** The audio inside ephemeral / view-once wrappers. */
function audioOf(m: WAMessage['message'] | null | undefined, depth = 0): AudioMessage | undefined {
  if (!m || depth > 4) return undefined;
  if (m.audioMessage) return m.audioMessage;
  const inner = m.ephemeralMessage?.message ?? m.viewOnceMessage?.message ?? m.viewOnceMessageV2?.message ?? m.documentWithCaptionMessage?.message;
  return audioOf(inner, depth + 1);
}
