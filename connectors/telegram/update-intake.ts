// One path for updates, whether pushed (webhook) or pulled (getUpdates): normalize each,
// hand the messages to the intake in one call, count what happened. Resolves only once the
// messages are stored (or recognized as duplicates); rejects with UnavailableError
// when they could not be, so the caller does not confirm them to Telegram.
import { UnavailableError } from '../../src/domain/errors.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { InboundMessage, Intake } from '../types.ts';
import { normalizeUpdate } from './normalize.ts';
import type { TelegramMetrics, UpdateOutcome } from './metrics.ts';

export type UpdateSource = 'webhook' | 'polling';

export interface UpdateIntakeDeps {
  botId: string;
  allowGroups: boolean;
  metrics: TelegramMetrics;
  logger: Logger;
  /** Answers a button tap (answerCallbackQuery) once its message is stored: Telegram shows a
   * spinner on the button until then. */
  answerCallback?: (callbackQueryId: string) => Promise<unknown>;
  /** The intake, once the connector started. */
  intake: () => Intake | undefined;
}

export interface ReceivedUpdates {
  outcomes: UpdateOutcome[];
  /** The highest update_id seen, malformed updates included: polling resumes after it. */
  maxUpdateId?: number;
}

export class TelegramUpdateIntake {
  constructor(private readonly deps: UpdateIntakeDeps) {}

  async receive(updates: unknown[], source: UpdateSource): Promise<ReceivedUpdates> {
    const outcomes: UpdateOutcome[] = [];
    const messages: { index: number; message: InboundMessage; callbackQueryId?: string }[] = [];
    let maxUpdateId: number | undefined;
    const now = new Date();
    updates.forEach((raw, index) => {
      const n = normalizeUpdate(raw, { botId: this.deps.botId, allowGroups: this.deps.allowGroups, now, keepRaw: true });
      if (n.updateId !== undefined) maxUpdateId = Math.max(maxUpdateId ?? n.updateId, n.updateId);
      if (n.outcome === 'message') {
        messages.push({ index, message: n.message, ...(n.callbackQueryId ? { callbackQueryId: n.callbackQueryId } : {}) });
        outcomes.push('accepted');
      } else if (n.outcome === 'ignored') {
        outcomes.push('ignored');
        this.deps.logger.debug({ event: 'telegram_update_ignored', source, updateId: n.updateId, reason: n.reason }, 'telegram update ignored');
      } else {
        // Acknowledged all the same: Telegram would redeliver it forever otherwise.
        outcomes.push('malformed');
        this.deps.logger.warn({ event: 'telegram_update_malformed', source, updateId: n.updateId, issue: n.issue }, 'telegram update not understood; skipped');
      }
    });

    if (messages.length) {
      const intake = this.deps.intake();
      if (!intake) {
        this.count(source, messages.map(() => 'unavailable'));
        throw new UnavailableError('the Telegram channel is starting; try again', 1);
      }
      let results;
      try {
        results = await intake.receive(messages.map((m) => m.message));
      } catch (err) {
        this.count(source, messages.map(() => 'unavailable'));
        throw err;
      }
      results.forEach((r, i) => {
        const { index } = messages[i]!;
        outcomes[index] = !r.accepted ? 'rejected' : r.duplicate ? 'duplicate' : 'accepted';
        const tap = messages[i]!.callbackQueryId;
        // Not awaited: the spinner is cosmetic, and storing was what mattered.
        if (tap && r.accepted && this.deps.answerCallback) void this.deps.answerCallback(tap).catch(() => {});
        if (!r.accepted) this.deps.logger.warn({ event: 'telegram_update_rejected', source, index }, 'telegram message refused by the intake (does not fit the inbox)');
      });
    }
    this.count(source, outcomes);
    return { outcomes, ...(maxUpdateId !== undefined ? { maxUpdateId } : {}) };
  }

  private count(source: UpdateSource, outcomes: UpdateOutcome[]) {
    for (const outcome of outcomes) this.deps.metrics.updates.inc({ source, outcome });
  }
}
