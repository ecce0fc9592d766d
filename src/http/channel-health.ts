// Each chat channel in the readiness report, as `channel:<name>`. A channel that is down (a
// WhatsApp login that was logged out, a provider outage) reads as degraded, never down: the
// readiness probe takes replicas out of the load balancer, which would not bring the channel
// back and would cut off the admin API and the other channels too.
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { HealthCheck } from './health-routes.ts';

export function channelHealthChecks(connectors: ConnectorRegistry): HealthCheck[] {
  return connectors.list().map((connector) => ({
    name: `channel:${connector.channel}`,
    async check() {
      const health = await connector.health();
      return { status: health.status === 'down' ? 'degraded' : health.status, ...(health.detail ? { detail: health.detail } : {}) };
    },
  }));
}
