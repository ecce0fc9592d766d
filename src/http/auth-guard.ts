// Secure by default: every route needs a valid access token unless it declares
// `config: { public: true }`; `config: { roles: [...] }` narrows who may call it.
// A route added later cannot be forgotten — test/route-guard.test.ts walks routeTable().
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';

export type Role = 'admin' | 'attendant';

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  /** The user's token version when the token was issued (users.token_version); 0 if absent. */
  tokenVersion?: number;
}

export interface AccessTokenVerifier {
  /** Resolves the user a bearer access token belongs to; throws UnauthorizedError otherwise. */
  verifyAccessToken(token: string): Promise<AuthUser>;
  /** Whether a session opened by a staff user under `tokenVersion` (a web chat attendant
   * session) still stands: the user exists, is enabled and kept that version and role. */
  staffSessionValid(userId: string, tokenVersion: number): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No token needed (health, login, webhooks, docs). */
    public?: boolean;
    /** Roles allowed; any authenticated user when absent. */
    roles?: Role[];
  }
  interface FastifyRequest {
    user?: AuthUser;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

/** The authenticated user of a protected route (the guard guarantees it is set). */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new UnauthorizedError();
  return request.user;
}

/** A route as the guard sees it: what it needs before its handler runs. */
export interface GuardedRoute {
  method: string;
  url: string;
  public: boolean;
  roles?: Role[];
}

const routeTables = new WeakMap<object, GuardedRoute[]>();

/** Every route registered on `app` after its guard, with its access rules — lets a test
 * probe each one, including routes added by plugins it does not know about. */
export function routeTable(app: object): readonly GuardedRoute[] {
  return routeTables.get(app) ?? [];
}

export function registerAuthGuard(app: FastifyInstance, verifier: AccessTokenVerifier) {
  const table: GuardedRoute[] = [];
  routeTables.set(app, table);
  app.decorateRequest('user', undefined);
  app.addHook('onRoute', (route) => {
    // Swagger UI and the OpenAPI document are public documentation.
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), public: true };
    for (const method of [route.method].flat()) {
      table.push({ method, url: route.url, public: route.config?.public === true, roles: route.config?.roles });
    }
  });
  const authenticate = async (request: FastifyRequest, roles: Role[] | undefined) => {
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError();
    request.user = await verifier.verifyAccessToken(token);
    if (roles && !roles.includes(request.user.role)) throw new ForbiddenError(`requires role ${roles.join(' or ')}`);
  };
  // Callback style: public routes (webhooks, web chat) pass without a promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    const config = request.routeOptions.config;
    if (config.public || !request.routeOptions.url) return done();
    authenticate(request, config.roles).then(() => done(), done);
  });
}
