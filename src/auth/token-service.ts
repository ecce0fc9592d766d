// Access tokens: HS256 JWTs valid 1 h. Refresh tokens: 32 random bytes valid 7 d, stored as
// SHA-256 only, rotated on every use. Reusing a rotated token (a sign of theft) revokes its
// whole family. Every access token carries the user's token version (`ver`): a password
// reset, a role change or disabling the user bumps it, and tokens of an older version stop
// working on their next request — checked against the database each time (a primary-key
// read that was already made for the role), not cached, so a revocation is never late.
import { createHash, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { UserRepository } from '../users/user-repository.ts';
import { UnauthorizedError } from '../domain/errors.ts';
import type { AccessTokenVerifier, AuthUser } from '../http/auth-guard.ts';

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface TokenServiceOptions {
  secret: string;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  now?: () => Date;
}

const ISSUER = 'atende';
const AUDIENCE = 'atende-api';
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

export class TokenService implements AccessTokenVerifier {
  /** The secret as a WebCrypto key, imported once: given as bytes, jose imports it again at
   * every sign and verify, which was half of a request's token check (~0.1-0.2 ms of CPU). */
  private readonly key: Promise<webcrypto.CryptoKey>;
  private readonly accessTtl: number;
  private readonly refreshTtl: number;
  private readonly now: () => Date;

  constructor(
    private readonly users: UserRepository,
    options: TokenServiceOptions,
  ) {
    this.key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(options.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    this.accessTtl = options.accessTtlSeconds ?? 3600;
    this.refreshTtl = options.refreshTtlSeconds ?? 7 * 24 * 3600;
    this.now = options.now ?? (() => new Date());
  }

  async signAccessToken(user: AuthUser): Promise<string> {
    const iat = Math.floor(this.now().getTime() / 1000);
    return new SignJWT({ role: user.role, email: user.email, ver: user.tokenVersion ?? 0 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.accessTtl)
      .sign(await this.key);
  }

  /** Verifies signature and expiry, then reads the user so a deleted user or changed role
   * takes effect at once rather than when the token expires. */
  async verifyAccessToken(token: string): Promise<AuthUser> {
    let sub: string | undefined;
    let version: number;
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: this.now(),
      });
      sub = payload.sub;
      // Tokens signed before versions existed carry none: they count as version 0.
      version = typeof payload.ver === 'number' ? payload.ver : 0;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new UnauthorizedError('access token expired; use POST /auth/refresh');
      throw new UnauthorizedError('invalid access token');
    }
    const user = sub ? await this.users.sessionUser(sub) : null;
    if (!user) throw new UnauthorizedError('the user of this token no longer exists');
    if (user.disabled) throw new UnauthorizedError('this user is disabled');
    if (user.tokenVersion !== version) throw new UnauthorizedError('this token was revoked (password, role or access changed); log in again');
    return { id: user.id, email: user.email, role: user.role, tokenVersion: user.tokenVersion };
  }

  async staffSessionValid(userId: string, tokenVersion: number): Promise<boolean> {
    const user = await this.users.sessionUser(userId);
    return !!user && !user.disabled && user.tokenVersion === tokenVersion;
  }

  async issue(user: AuthUser, family: string = randomUUID()): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    await this.users.storeRefreshToken({ userId: user.id, tokenHash: sha256(refreshToken), family, expiresAt: new Date(this.now().getTime() + this.refreshTtl * 1000) });
    return {
      tokenType: 'Bearer',
      accessToken: await this.signAccessToken(user),
      expiresIn: this.accessTtl,
      refreshToken,
      refreshExpiresIn: this.refreshTtl,
    };
  }

  /** Trades a refresh token for a new pair; the old one is spent. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const stored = await this.users.refreshToken(sha256(refreshToken));
    if (!stored) throw new UnauthorizedError('unknown refresh token');
    if (stored.user.disabled) throw new UnauthorizedError('this user is disabled');
    if (stored.revokedAt || stored.replacedBy) {
      await this.revokeFamily(stored.family);
      throw new UnauthorizedError('refresh token was already used or revoked; log in again');
    }
    if (stored.expiresAt <= this.now()) throw new UnauthorizedError('refresh token expired; log in again');
    // Spend it atomically: of two concurrent refreshes with one token, only one wins.
    const nextId = randomUUID();
    if (!(await this.users.spendRefreshToken(stored.id, nextId, this.now()))) {
      await this.revokeFamily(stored.family);
      throw new UnauthorizedError('refresh token was already used or revoked; log in again');
    }
    return this.issue(stored.user, stored.family);
  }

  /** Logout: revokes the token's whole family (this device's session). Unknown → no-op. */
  async revoke(refreshToken: string): Promise<void> {
    const stored = await this.users.refreshToken(sha256(refreshToken));
    if (stored) await this.revokeFamily(stored.family);
  }

  async revokeAllOf(userId: string): Promise<void> {
    await this.users.revokeRefreshTokens({ userId }, this.now());
  }

  private async revokeFamily(family: string) {
    await this.users.revokeRefreshTokens({ family }, this.now());
  }
}
