import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { bearerToken } from './auth-guard.ts';
import { UnauthorizedError } from '../domain/errors.ts';
import { secretsEqual } from './secrets.ts';

/**
 * Prometheus scrape endpoint. Scrapers cannot log in for a 1-hour JWT, so /metrics takes a
 * static bearer token (METRICS_TOKEN) instead of the user guard; without one it is open,
 * which suits a single machine where the port is not exposed. Metrics hold counts, never PII.
 */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry; token?: string }> = async (app, { registry, token }) => {
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    if (token) {
      if (!secretsEqual(bearerToken(request), token)) throw new UnauthorizedError('/metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });
};
