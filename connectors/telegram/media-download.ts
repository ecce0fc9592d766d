// Media of inbound messages, the Bot API's two steps (https://core.telegram.org/bots/api#getfile):
//   getFile {file_id}  →  {file_path, file_size}
//   GET {api}/file/bot<token>/<file_path>  →  the bytes (the link lives at least an hour)
// The token is in the download URL, as in every Bot API call: it never reaches a log or an
// error text. Bots can fetch files of up to 20 MB; the cap is ours, checked at both steps.
import { fetchCapped, MediaDownloadError, MediaTooLargeError } from '../../src/voice/read-capped.ts';
import type { InboundMedia, MediaLimits } from '../types.ts';
import type { TelegramBotApi } from './bot-api.ts';

// file_path is Telegram's ("voice/file_3.oga"); anything else must not turn the URL elsewhere.
const FILE_PATH = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_.-]+)*$/;

export interface TelegramFileSource {
  api: TelegramBotApi;
  apiUrl: string;
  token: string;
  fetch?: typeof fetch;
}

export async function downloadTelegramMedia(source: TelegramFileSource, media: InboundMedia, limits: MediaLimits): Promise<Uint8Array> {
  if (typeof media.ref !== 'string') throw new MediaDownloadError('media: not a Telegram file_id');
  const file = await source.api.call<{ file_path?: unknown; file_size?: unknown }>('getFile', { file_id: media.ref }, { signal: limits.signal });
  if (typeof file.file_size === 'number' && file.file_size > limits.maxBytes) throw new MediaTooLargeError(limits.maxBytes);
  if (typeof file.file_path !== 'string' || !FILE_PATH.test(file.file_path) || file.file_path.includes('..')) throw new MediaDownloadError('media: getFile gave no usable file_path');
  return fetchCapped(`${source.apiUrl}/file/bot${source.token}/${file.file_path}`, { signal: limits.signal }, limits.maxBytes, 'media', source.fetch);
}
