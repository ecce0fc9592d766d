// Web chat session tokens: a signed, expiring claim "this bearer owns chat X" (and, for an
// attendant's session, "sent by user U"). Stateless, so any API replica checks one with an
// HMAC — no database read on the message path. The key is derived from JWT_SECRET, so
// replicas agree on it, and a session token can never pass as an access token or vice versa.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LruMap } from '../../src/util/lru-map.ts';

export interface WebSession {
  chatId: string;
  /** The staff user who opened an attendant-mode session. */
  attendantUserId?: string;
  /** That user's token version then: a password reset, role change or disabling ends it. */
  tokenVersion?: number;
  /** Seconds since the epoch. */
  expiresAt: number;
}

const b64 = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

export class WebSessionTokens {
  private readonly key: Buffer;

  constructor(
    jwtSecret: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.key = createHmac('sha256', jwtSecret).update('atende web chat session v1').digest();
  }

  sign(session: WebSession): string {
    const payload = b64(JSON.stringify({ c: session.chatId, u: session.attendantUserId, v: session.tokenVersion, e: session.expiresAt }));
    return `${payload}.${this.mac(payload)}`;
  }

  /** Recently verified tokens: a chat posts many messages with one token (hot path). */
  private readonly verified = new LruMap<string, WebSession>(10_000);

  /** The session a token stands for, or undefined when forged, malformed or expired. */
  verify(token: string): WebSession | undefined {
    const known = this.verified.get(token);
    if (known) return known.expiresAt * 1000 > this.now() ? known : undefined;
    const session = this.check(token);
    if (session) {
      this.verified.set(token, session);
    }
    return session;
  }

  private check(token: string): WebSession | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 1_024) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c?: unknown; u?: unknown; v?: unknown; e?: unknown };
      if (typeof claims.c !== 'string' || typeof claims.e !== 'number') return undefined;
      if (claims.e * 1000 <= this.now()) return undefined;
      const staff = typeof claims.u === 'string' ? { attendantUserId: claims.u, tokenVersion: typeof claims.v === 'number' ? claims.v : 0 } : {};
      return { chatId: claims.c, expiresAt: claims.e, ...staff };
    } catch {
      return undefined;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
