// The connectors this process runs, by channel. Built in the composition root (src/app.ts):
// a new channel is one `registry.register(createXConnector(...))` line there, nothing else
// in the core changes.
import type { Connector, ConnectorContext, ConnectorHealth } from './types.ts';

export class ConnectorRegistry {
  private readonly connectors = new Map<string, Connector>();
  private started: Connector[] = [];

  register(connector: Connector): this {
    if (this.connectors.has(connector.channel)) throw new Error(`connector ${connector.channel} registered twice`);
    this.connectors.set(connector.channel, connector);
    return this;
  }

  get(channel: string): Connector | undefined {
    return this.connectors.get(channel);
  }

  list(): Connector[] {
    return [...this.connectors.values()];
  }

  async startAll(context: ConnectorContext): Promise<void> {
    for (const connector of this.connectors.values()) {
      await connector.start(context);
      this.started.push(connector);
    }
  }

  /** Stops in reverse start order; one failing stop does not keep the others running. */
  async stopAll(): Promise<void> {
    const started = this.started.reverse();
    this.started = [];
    const results = await Promise.allSettled(started.map((c) => c.stop()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** One entry per channel; a connector whose check throws is reported down. */
  async health(): Promise<Record<string, ConnectorHealth>> {
    const entries = await Promise.all(
      this.list().map(async (c) => {
        try {
          return [c.channel, await c.health()] as const;
        } catch (err) {
          return [c.channel, { status: 'down' as const, detail: (err as Error).message.slice(0, 200) }] as const;
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
