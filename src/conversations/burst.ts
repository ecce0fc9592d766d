// Message bursts (SPEC §11, issue 15): "oi" / "Maria" / "11 9…" sent in quick succession to
// an idle chat are answered as ONE turn — one extraction over the joined text, one reply —
// instead of three. Pure: the runner hands in the chat's pending rows and the clock, and
// gets back either the rows to answer together or when to look again.
//
// A burst is a run of consecutive rows, each within the window of the one before, all within
// MAX_SPAN windows of the first (a person who keeps typing still gets an answer), of the same
// sender and the same kind, with text. It stops at anything else: a control row (a staff
// action or an expiry must keep its place between messages), a media row without text, a voice
// transcript after typed text or the other way round (kind "audio" marks the transcript as
// voice, and the bot says so), another sender (group chats).
import type { InboxRow } from './conversation-store.ts';
import type { TurnRow } from './turn-processor.ts';

// However long a person keeps sending, the first message is answered within this many windows.
export const MAX_SPAN = 3;

const MERGEABLE_KINDS = new Set(['text', 'audio']);

export type BurstDecision = { row: TurnRow } | { waitUntil: Date };

const mergeable = (row: InboxRow) => MERGEABLE_KINDS.has(row.kind) && row.text.trim() !== '';

const sameSource = (a: InboxRow, b: InboxRow) => a.kind === b.kind && a.senderId === b.senderId && a.staffUserId === b.staffUserId;

/**
 * The turn to run for the chat's oldest pending row (`rows`: pending, oldest first), or, while
 * its burst may still grow, when to look again. `windowMs` 0 turns bursts off.
 */
export function takeBurst(rows: InboxRow[], windowMs: number, now: Date): BurstDecision {
  const first = rows[0]!;
  if (windowMs <= 0 || !mergeable(first)) return { row: first };
  const start = first.receivedAt.getTime();
  const cap = start + MAX_SPAN * windowMs;
  const burst = [first];
  for (const row of rows.slice(1)) {
    const previous = burst.at(-1)!.receivedAt.getTime();
    const at = row.receivedAt.getTime();
    if (!mergeable(row) || !sameSource(first, row) || at - previous > windowMs || at > cap) break;
    burst.push(row);
  }
  const closed = burst.length < rows.length;
  const last = burst.at(-1)!;
  const deadline = Math.min(last.receivedAt.getTime() + windowMs, cap);
  // Something else already follows the burst, or its window is over: nothing can join any more.
  if (!closed && now.getTime() < deadline) return { waitUntil: new Date(deadline) };
  if (burst.length === 1) return { row: first };
  return {
    row: { ...first, text: burst.map((r) => r.text).join('\n'), receivedAt: last.receivedAt, burst: burst.slice(1) },
  };
}
