// The Fastify instance with what every route relies on: zod validation and OpenAPI,
// problem+json errors, security headers, body limit, request ids, HTTP metrics and the
// auth guard. Route plugins are registered on it by the composition root (src/app.ts).
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RawServerDefault } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TrustProxy } from '../config/trust-proxy.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { type AccessTokenVerifier, registerAuthGuard } from './auth-guard.ts';
import { registerProblemHandlers } from './problem.ts';
import { registerStorableInputGuard } from './storable-input.ts';
import { API_SECURITY_HEADERS, DOCS_SECURITY_HEADERS } from './security-headers.ts';

export type HttpServer = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface HttpServerOptions {
  logger: Logger;
  metrics: Metrics;
  auth: AccessTokenVerifier;
  bodyLimit: number;
  version: string;
  /** Serve Swagger UI and the OpenAPI JSON at /docs (API_DOCS_ENABLED; off in production). */
  docs?: boolean;
  /** Whose X-Forwarded-For sets request.ip (TRUST_PROXY); false: the socket's address. */
  trustProxy: TrustProxy;
}

/** Trust the nearest `hops` proxies: address i of the chain (0 = the socket) is a proxy while i < hops. */
const trustHops = (hops: number) => (_address: string, i: number) => i < hops;

const REQUEST_ID = /^[\w.:-]{1,64}$/;

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const fastify = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    // Request ids are the server's own: a caller's X-Request-Id could collide with another
    // request's or forge one in the audit log. Theirs is logged apart, as correlationId.
    genReqId: () => randomUUID(),
    // On the request's logger from its first line ("incoming request") on.
    childLoggerFactory: (logger, bindings, childOptions, rawReq) => {
      const given = rawReq.headers['x-request-id'];
      return logger.child(typeof given === 'string' && REQUEST_ID.test(given) ? { ...bindings, correlationId: given } : bindings, childOptions);
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // Fastify's types leave out the hop count its runtime accepts; proxy-addr's own form of it.
    trustProxy: typeof options.trustProxy === 'number' ? trustHops(options.trustProxy) : options.trustProxy,
    return503OnClosing: true,
  }) as FastifyInstance;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);
  registerStorableInputGuard(app);

  app.addHook('onSend', (request, reply, payload, done) => {
    // The pages (web-pages.ts) set their own CSP; everything else gets the API's or /docs'.
    if (!reply.hasHeader('content-security-policy')) reply.headers(request.url.startsWith('/docs') ? DOCS_SECURITY_HEADERS : API_SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    // Contacts, exports, conversations, audit, users, web chat replies: no cache (browser,
    // proxy) may keep a copy. A route that wants caching sets its own Cache-Control.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    options.metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  // Before any plugin adds routes, so that its onRoute hook sees every route.
  registerAuthGuard(app, options.auth);

  await app.register(rateLimit, { global: false });
  // The OpenAPI document is built (from every route's schema) only where /docs serves it: the
  // generator and its copy of each schema cost memory that a production process never uses.
  if (!(options.docs ?? true)) return app;
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'atende admin API', version: options.version, description: 'Contacts, users, audit and health of atende.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}
