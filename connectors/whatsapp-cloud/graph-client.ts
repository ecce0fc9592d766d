// One call to the Graph API's send endpoint and what its answer means. Meta reports errors as
// {"error": {"message", "type", "code", "error_subcode", "error_data", "fbtrace_id"}}; rate
// limits and temporary faults may come with HTTP 400, so the Graph code decides as well:
// https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
import { retryAfterMs } from '../../src/util/retry-after.ts';

export interface GraphSendResult {
  /** The wamid of the sent message; statuses refer to it. */
  id?: string;
}

/** Why a call failed. `outage` failures (5xx, network, timeout) count towards the breaker. */
export class GraphCallError extends Error {
  constructor(
    /** Graph code ("131030", "100/2494010" with the subcode) or "http-503", "network", "timeout". */
    readonly code: string,
    message: string,
    readonly transient: boolean,
    readonly outage: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'GraphCallError';
  }
}

// Graph codes that mean "not now" rather than "never", whatever the HTTP status:
// 1 unknown, 2 service unavailable, 4/17/341/80007/130429 rate limits, 131000 something went
// wrong, 131016 service overloaded, 131048 spam rate limit, 131056 pair rate limit,
// 133004 server temporarily unavailable.
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133004]);

interface GraphErrorBody {
  error?: { message?: unknown; code?: unknown; error_subcode?: unknown };
}

export async function postGraphMessage(url: string, token: string, body: unknown, signal: AbortSignal, fetchImpl: typeof fetch = fetch): Promise<GraphSendResult> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw new GraphCallError('timeout', 'the Graph API did not answer in time', true, true);
    throw new GraphCallError('network', `the Graph API is unreachable: ${(err as Error).message}`.slice(0, 200), true, true);
  }
  const text = await response.text().catch(() => '');
  const json = parseJson(text);
  if (response.ok) {
    const id = (json as { messages?: { id?: unknown }[] } | undefined)?.messages?.[0]?.id;
    return typeof id === 'string' ? { id } : {};
  }
  const error = (json as GraphErrorBody | undefined)?.error;
  const graphCode = typeof error?.code === 'number' ? error.code : undefined;
  const subcode = typeof error?.error_subcode === 'number' ? error.error_subcode : undefined;
  const code = graphCode !== undefined ? (subcode !== undefined ? `${graphCode}/${subcode}` : String(graphCode)) : `http-${response.status}`;
  // Graph messages name the problem ("(#131030) Recipient phone number not in allowed list");
  // error_data.details may quote the recipient, so it is left out.
  const message = (typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`).slice(0, 200);
  const outage = response.status >= 500;
  const transient = outage || response.status === 429 || (graphCode !== undefined && TRANSIENT_CODES.has(graphCode));
  throw new GraphCallError(code, message, transient, outage, transient ? retryAfterMs(response.headers.get('retry-after')) : undefined);
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
