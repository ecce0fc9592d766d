// The shapes the Conversas page reads from the conversations and handoff APIs.
export interface StaffRef {
  id: string;
  email: string;
  name?: string;
}

export interface ConversationSummary {
  id: string;
  channel: string;
  status: string;
  createdAt: string;
  lastActivityAt: string;
  handoffAt: string | null;
  waitSeconds?: number;
  claimedBy: StaffRef | null;
  person?: { name?: string; phone?: string };
}

export interface TimelineEntry {
  direction: 'inbound' | 'outbound';
  id: string;
  text: string;
  kind: string;
  at: string;
  status?: string;
  author?: StaffRef;
}

export interface ConversationDetail extends ConversationSummary {
  timeline: TimelineEntry[];
}

export const CHANNELS = ['web', 'whatsapp', 'whatsapp-cloud', 'telegram'];
export const STATUSES = ['active', 'handoff', 'saved', 'cancelled', 'declined', 'expired', 'completed'];

export const staffName = (s: StaffRef) => s.name || s.email;
