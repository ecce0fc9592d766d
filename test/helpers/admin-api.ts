// Small conveniences for calling the admin API of a test app.
import type { TestApp } from './app.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'HEAD';

export function apiOf(t: TestApp) {
  return (method: Method, url: string, token?: string, payload?: unknown) =>
    t.atende.http.inject({
      method,
      url,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
}

/** The user id (`sub`) of an access token. */
export function userIdOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
  return payload.sub;
}
