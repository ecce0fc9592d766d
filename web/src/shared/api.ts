// The one fetch wrapper of the pages: JSON in and out, the access token (kept in memory only)
// in the Authorization header, one refresh through the httpOnly cookie when it expired, and
// problem+json turned into a sentence people can read.
import { problemTexts, t } from './strings.ts';

export interface Problem {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  errors?: { field?: string; message?: string }[];
  retryAfter?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(readableProblem(problem));
  }
}

/** What to show for a problem: our text for known codes, else the server's detail. */
export function readableProblem(p: Problem): string {
  if (p.code === 'rate-limited') return t.tooMany(p.retryAfter);
  if (p.code === 'unauthorized' && p.detail?.includes('e-mail or password')) return t.invalidLogin;
  const known = p.code ? problemTexts[p.code] : undefined;
  if (known) return known;
  if (p.status === 400 && p.errors?.length) return p.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  if (p.status >= 500) return t.genericError;
  return p.detail ?? p.title ?? t.genericError;
}

export interface SessionUser {
  id: string;
  email: string;
  role: 'admin' | 'attendant';
}

interface TokenAnswer {
  accessToken: string;
  expiresIn: number;
  user?: SessionUser;
}

let accessToken: string | undefined;
let refreshing: Promise<boolean> | undefined;
const listeners = new Set<() => void>();

/** Called when the session is gone for good (refresh refused): the console shows the login. */
export function onSignedOut(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function parseProblem(res: Response): Promise<Problem> {
  try {
    const body = await res.json();
    return { status: res.status, ...body };
  } catch {
    return { status: res.status };
  }
}

async function raw(path: string, init: RequestInit = {}, auth = true): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
  if (auth && accessToken) headers.set('authorization', `Bearer ${accessToken}`);
  try {
    return await fetch(path, { ...init, headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, { status: 0, detail: t.networkError, code: 'network' });
  }
}

/** Trades the refresh cookie for a new access token; one at a time for all callers. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const res = await raw('/auth/refresh', { method: 'POST', body: JSON.stringify({}) }, false);
      if (!res.ok) return false;
      const answer = (await res.json()) as TokenAnswer;
      accessToken = answer.accessToken;
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = undefined), 0);
    }
  })();
  return refreshing;
}

/** Any API call; a 401 refreshes once and tries again. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let res = await raw(path, init);
  if (res.status === 401 && accessToken !== undefined) {
    if (await refresh()) res = await raw(path, init);
    else {
      accessToken = undefined;
      for (const l of listeners) l();
    }
  }
  if (!res.ok) throw new ApiError(res.status, await parseProblem(res));
  return res;
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await request(path, init);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const post = <T>(path: string, body: unknown = {}) => api<T>(path, { method: 'POST', body: JSON.stringify(body) });

/** Logs in; the refresh token goes to an httpOnly cookie the page's script never sees. */
export async function login(email: string, password: string): Promise<SessionUser> {
  const res = await raw('/auth/login', { method: 'POST', body: JSON.stringify({ email, password, session: 'cookie' }) }, false);
  if (!res.ok) throw new ApiError(res.status, await parseProblem(res));
  const answer = (await res.json()) as TokenAnswer;
  accessToken = answer.accessToken;
  return answer.user!;
}

/** After a reload: the cookie may still hold a session. */
export async function resume(): Promise<SessionUser | undefined> {
  if (!(await refresh())) return undefined;
  return api<SessionUser>('/auth/me');
}

export async function logout(): Promise<void> {
  await raw('/auth/logout', { method: 'POST', body: JSON.stringify({}) }, false).catch(() => {});
  accessToken = undefined;
}

/** Downloads a file the API streams (export, portability) with the token in the header. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const res = await request(path);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
