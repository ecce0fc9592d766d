import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

// Prometheus scrapes without a token by convention; /metrics holds counts, never PII.
// Operators who expose the API publicly should block /metrics at the ingress.
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, { registry }) => {
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
};
