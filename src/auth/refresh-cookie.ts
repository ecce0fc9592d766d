// The browser keeps its refresh token in an httpOnly cookie: scripts (and so an XSS) never
// see it; SameSite=Strict keeps other sites' requests from carrying it (no CSRF on the
// refresh/logout routes), and Path=/auth sends it to those routes only. Secure over HTTPS
// (behind a proxy: X-Forwarded-Proto, trusted by the server). API clients keep the JSON flow.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const REFRESH_COOKIE = 'atende_refresh';

export function refreshCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === REFRESH_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

export function setRefreshCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${REFRESH_COOKIE}=${token}; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}

export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${REFRESH_COOKIE}=; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=0${secure}`);
}
