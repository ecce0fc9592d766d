// "Lido" / "digitando…" around a turn, through the channel's optional presence hook
// (connectors/types.ts ChannelPresence). A courtesy that must never cost the turn anything:
// the hook is called synchronously and returns at once, anything it throws is swallowed,
// and its provider calls' outcomes only feed a counter and a debug line (channel only — no
// chat id, no text: the address of a chat is personal data).
import { Counter, type Registry } from 'prom-client';
import type { TurnPresence, TurnPresenceTarget } from '../../connectors/types.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { Logger } from '../observability/logger.ts';

const NOTHING: TurnPresence = { stop: () => {} };

export class TurnPresenceHub {
  private readonly calls: Counter<'channel' | 'outcome'>;

  constructor(
    private readonly connectors: ConnectorRegistry,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.calls = new Counter({
      name: 'atende_presence_updates_total',
      help: 'Read/typing indicators sent to a channel while a turn runs, by outcome (ok, failed); a failure never affects the turn',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    });
  }

  /** Starts the channel's indicator for a turn; the returned `stop()` never throws either. */
  start(channel: string, target: TurnPresenceTarget): TurnPresence {
    const presence = this.connectors.get(channel)?.turnPresence;
    if (!presence) return NOTHING;
    const outcome = (ok: boolean) => {
      this.calls.inc({ channel, outcome: ok ? 'ok' : 'failed' });
      if (!ok) this.logger.debug({ event: 'presence_failed', channel }, 'read/typing indicator not shown');
    };
    try {
      const started = presence.turnStarted(target, outcome);
      return {
        stop: () => {
          try {
            started.stop();
          } catch {
            outcome(false);
          }
        },
      };
    } catch {
      outcome(false);
      return NOTHING;
    }
  }
}
