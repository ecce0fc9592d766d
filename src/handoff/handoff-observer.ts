// The handoff inbox's view of the bot's turns: a turn that opens a handoff gets the
// out-of-hours notice added to its replies (so it is said once, committed with the handoff
// itself) and tells staff live; during a handoff each message of the person is a live event;
// leaving a handoff (resume, the person cancelling, expiry) closes it in the consoles.
import { catalog } from '../../fsm/catalog.ts';
import type { TurnObserver, TurnOutcome } from '../conversations/turn-processor.ts';
import type { ConversationStore } from '../conversations/conversation-store.ts';
import type { Logger } from '../observability/logger.ts';
import { type BusinessHours, describeOpening, nextOpening } from './business-hours.ts';
import type { HandoffEvents } from './handoff-events.ts';

export interface HandoffObserverDeps {
  conversations: ConversationStore;
  events: HandoffEvents;
  logger: Logger;
  hours?: BusinessHours;
  /** Outside notification of a new handoff (the signed sync webhook), when configured. */
  onOpened?: (info: { conversationId: string; channel: string; handoffAt: Date }) => Promise<void>;
}

export class HandoffObserver implements TurnObserver {
  constructor(private readonly deps: HandoffObserverDeps) {}

  handoffReplies(at: Date): { key: string; text: string }[] {
    const hours = this.deps.hours;
    if (!hours) return [];
    const next = nextOpening(hours, at);
    // Open now, or no opening in sight (a rule set with no day at all cannot be parsed, but a
    // fortnight of holidays can): no promise we cannot keep.
    if (next === null || next === 'never') return [];
    return [{ key: 'handoff-hours', text: catalog.handoffOutOfHours(hours.label, describeOpening(next)) }];
  }

  /** A staff message's delivery, for the console (fire and forget: publish never throws). */
  staffStatus = (u: { conversationId: string; outboundId: string; status: string }) => {
    void this.deps.events.publish('message.status', { conversationId: u.conversationId, id: u.outboundId, status: u.status });
  };

  async committed(o: TurnOutcome): Promise<void> {
    try {
      const base = { conversationId: o.conversationId, channel: o.chat.channel };
      if (o.after === 'handoff' && o.before !== 'handoff') {
        const person = (await this.deps.conversations.peopleOf([o.conversationId])).get(o.conversationId) ?? {};
        await this.deps.events.publish('handoff.opened', { ...base, handoffAt: o.at.toISOString(), ...(person.name ? { personName: person.name } : {}) });
        await this.deps.onOpened?.({ conversationId: o.conversationId, channel: o.chat.channel, handoffAt: o.at });
      } else if (o.before === 'handoff' && o.after !== 'handoff') {
        await this.deps.events.publish('handoff.resumed', { ...base, status: o.after, by: o.row.kind.startsWith('control:resume') || o.row.kind === 'control:restart' ? o.row.senderId.replace(/^user:/, '') : null });
      } else if (o.before === 'handoff' && o.event.type === 'message') {
        await this.deps.events.publish('message.inbound', { ...base, id: String(o.row.id), text: o.row.text, kind: o.row.kind, at: o.row.receivedAt.toISOString() });
      }
    } catch (err) {
      // The turn has committed; a lost live event is caught up by the console's next read.
      this.deps.logger.warn({ event: 'handoff_observer_failed', conversationId: o.conversationId, err: { message: (err as Error).message } }, 'a handoff event was not published');
    }
  }
}
