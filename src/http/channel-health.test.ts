import { describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import type { Connector, ConnectorHealth } from '../../connectors/types.ts';
import { channelHealthChecks } from './channel-health.ts';

const connector = (channel: string, health: () => Promise<ConnectorHealth>): Connector => ({
  channel,
  start: async () => {},
  stop: async () => {},
  sendText: async () => {},
  health,
});

describe('channelHealthChecks', () => {
  it('reports every channel, a down one as degraded (readiness must not drop the replica)', async () => {
    const registry = new ConnectorRegistry()
      .register(connector('web', async () => ({ status: 'up' })))
      .register(connector('whatsapp', async () => ({ status: 'down', detail: 'logged out: scan a new QR code' })));
    const checks = channelHealthChecks(registry);
    expect(checks.map((c) => c.name)).toEqual(['channel:web', 'channel:whatsapp']);
    expect(await checks[0]!.check()).toEqual({ status: 'up' });
    expect(await checks[1]!.check()).toEqual({ status: 'degraded', detail: 'logged out: scan a new QR code' });
  });
});
