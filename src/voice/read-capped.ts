// Reads a download into memory, never past a byte cap: a provider (or someone forging a file
// size) cannot make us buffer more than VOICE_MAX_BYTES. Audio is held in memory only.

/** The media is bigger than the cap (announced or found while reading). */
export class MediaTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`media larger than ${maxBytes} bytes`);
    this.name = 'MediaTooLargeError';
  }
}

/** A download that failed (HTTP status or network): no URL in the message, it may carry a token. */
export class MediaDownloadError extends Error {
  constructor(message: string) {
    super(message.slice(0, 200));
    this.name = 'MediaDownloadError';
  }
}

export async function readCapped(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new MediaTooLargeError(maxBytes);
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

/** GETs a URL and reads its body under the cap; Content-Length over the cap fails before reading. */
export async function fetchCapped(url: string, init: RequestInit, maxBytes: number, what: string, fetchImpl: typeof fetch = fetch): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, redirect: 'follow' });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new MediaDownloadError(`${what}: unreachable`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new MediaDownloadError(`${what}: HTTP ${response.status}`);
  }
  const length = Number(response.headers.get('content-length'));
  if (Number.isFinite(length) && length > maxBytes) {
    await response.body.cancel().catch(() => {});
    throw new MediaTooLargeError(maxBytes);
  }
  return readCapped(response.body as unknown as AsyncIterable<Uint8Array>, maxBytes);
}
