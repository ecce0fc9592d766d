// Media of inbound messages, Meta's two steps
// (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#download-media):
//   GET {api}/{media-id}?phone_number_id=…  (bearer)  →  {url, mime_type, file_size, …}
//   GET {url}                               (bearer)  →  the bytes (the URL lives 5 minutes)
// Both with the bearer token; the size Meta announces is checked against the cap before the
// second step, and the bytes are read under the cap all the same.
import { fetchCapped, MediaDownloadError, MediaTooLargeError } from '../../src/voice/read-capped.ts';
import type { InboundMedia, MediaLimits } from '../types.ts';
import type { WhatsappCloudConfig } from './config.ts';

const MEDIA_ID = /^[A-Za-z0-9_.-]{1,300}$/;

export async function downloadCloudMedia(config: Pick<WhatsappCloudConfig, 'apiUrl' | 'token' | 'phoneNumberId'>, media: InboundMedia, limits: MediaLimits, fetchImpl: typeof fetch = fetch): Promise<Uint8Array> {
  // The id comes from a signed webhook, but it still becomes part of a URL: only plain ids.
  if (typeof media.ref !== 'string' || !MEDIA_ID.test(media.ref)) throw new MediaDownloadError('media: not a Cloud API media id');
  const headers = { authorization: `Bearer ${config.token}` };
  let response: Response;
  try {
    response = await fetchImpl(`${config.apiUrl}/${media.ref}?phone_number_id=${encodeURIComponent(config.phoneNumberId)}`, { headers, signal: limits.signal });
  } catch (err) {
    if (limits.signal.aborted) throw err;
    throw new MediaDownloadError('media: Graph API unreachable');
  }
  const info = (await response.json().catch(() => undefined)) as { url?: unknown; file_size?: unknown } | undefined;
  if (!response.ok || typeof info?.url !== 'string' || !/^https?:\/\//.test(info.url)) throw new MediaDownloadError(`media: Graph API HTTP ${response.status}`);
  if (typeof info.file_size === 'number' && info.file_size > limits.maxBytes) throw new MediaTooLargeError(limits.maxBytes);
  return fetchCapped(info.url, { headers, signal: limits.signal }, limits.maxBytes, 'media', fetchImpl);
}
