// Conversas: the live handoff queue (stream of staff events, no reload), a conversation's
// timeline, claim, reply and hand back to the bot. Built on the handoff API (issue 12):
// GET /conversations?status=handoff, POST …/claim|release|messages|resume, and the staff SSE
// stream opened with a single-use ticket (never a token in a URL).
import { useEffect, useState } from 'preact/hooks';
import { api, post, type SessionUser } from '../shared/api.ts';
import { openEventStream } from '../shared/event-stream.ts';
import { t } from '../shared/strings.ts';
import { formatDateTime, formatPhone } from './contact-types.ts';

interface Handoff {
  id: string;
  channel: string;
  status: string;
  handoffAt: string;
  waitSeconds: number;
  claimedBy: { id: string; email: string; name?: string | null } | null;
  person: { name?: string | null; phone?: string | null };
}

interface TimelineEntry {
  direction: 'inbound' | 'outbound';
  id: string;
  text: string;
  at: string;
  author?: { name?: string | null; email?: string } | null;
}

export function HandoffQueue({ user }: { user: SessionUser }) {
  const [queue, setQueue] = useState<Handoff[]>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [timeline, setTimeline] = useState<TimelineEntry[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);
  const [tick, setTick] = useState(0);

  const reloadQueue = () => api<{ items: Handoff[] }>('/conversations?status=handoff').then((p) => setQueue(p.items), (err) => setError((err as Error).message));
  const reloadTimeline = (id: string) => api<{ timeline: TimelineEntry[] }>(`/conversations/${id}`).then((c) => setTimeline(c.timeline ?? []), (err) => setError((err as Error).message));

  useEffect(() => void reloadQueue(), []);
  useEffect(() => {
    if (selected) void reloadTimeline(selected);
  }, [selected]);

  useEffect(() => {
    // Each (re)connection needs a fresh single-use ticket.
    let ticket = '';
    const close = openEventStream({
      url: () => `/conversations/events?ticket=${encodeURIComponent(ticket)}`,
      onState: (up) => {
        setLive(up);
        if (up) void reloadQueue();
      },
      onEvent: (e) => {
        let data: { conversationId?: string };
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        if (e.event.startsWith('handoff.')) void reloadQueue();
        if (data.conversationId) setTick((n) => n + 1);
        setSelectedRefresh(data.conversationId);
      },
      before: async () => {
        ticket = (await post<{ ticket: string }>('/auth/stream-ticket')).ticket;
      },
    });
    return close;
  }, []);

  // The open conversation's timeline follows the stream.
  const [refreshFor, setSelectedRefresh] = useState<string | undefined>();
  useEffect(() => {
    if (selected && refreshFor === selected) void reloadTimeline(selected);
  }, [tick]);

  const current = queue.find((h) => h.id === selected);
  const mineClaim = current?.claimedBy?.id === user.id;

  async function act(fn: () => Promise<unknown>) {
    setError('');
    try {
      await fn();
      await reloadQueue();
      if (selected) await reloadTimeline(selected);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <section aria-labelledby="conv-title">
      <h1 id="conv-title">{t.conversationsTitle}</h1>
      <p class="muted" role="status">
        {live ? t.live : t.reconnecting}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="split">
        <section aria-labelledby="queue-title">
          <h2 id="queue-title">{t.handoffQueue}</h2>
          {!queue.length && <p>{t.noHandoffs}</p>}
          <ul class="cards" aria-label={t.handoffQueue}>
            {queue.map((h) => (
              <li key={h.id} class="card">
                <button type="button" class="link" aria-pressed={h.id === selected} onClick={() => setSelected(h.id)}>
                  {h.person.name || t.unknownPerson}
                </button>
                <div>
                  {h.person.phone ? `${formatPhone(h.person.phone)} · ` : ''}
                  {h.channel} · {t.waiting(h.waitSeconds)}
                </div>
                {h.claimedBy && <div class="muted">{t.claimedBy(h.claimedBy.name || h.claimedBy.email)}</div>}
              </li>
            ))}
          </ul>
        </section>
        {current && (
          <section aria-labelledby="timeline-title">
            <h2 id="timeline-title">
              {t.timeline}: {current.person.name || t.unknownPerson}
            </h2>
            <ol class="timeline" aria-live="polite">
              {timeline.map((m) => (
                <li key={`${m.direction}-${m.id}`} class={m.direction === 'outbound' ? 'out' : 'in'}>
                  <span class="sr-only">{m.direction === 'outbound' ? 'Enviada' : 'Recebida'} </span>
                  {m.text}
                  <div class="muted">{formatDateTime(m.at)}</div>
                </li>
              ))}
            </ol>
            <div class="actions">
              {!mineClaim && <button type="button" onClick={() => void act(() => post(`/conversations/${current.id}/claim`))}>{t.claim}</button>}
              {mineClaim && (
                <button type="button" class="secondary" onClick={() => void act(() => post(`/conversations/${current.id}/release`))}>
                  {t.release}
                </button>
              )}
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  void act(async () => {
                    await post(`/conversations/${current.id}/resume`, {});
                    setSelected(undefined);
                  })
                }
              >
                {t.handBack}
              </button>
            </div>
            <form
              class="form-grid"
              onSubmit={(e) => {
                e.preventDefault();
                const body = text.trim();
                if (!body) return;
                const messageId = `console-${crypto.randomUUID()}`;
                void act(async () => {
                  await post(`/conversations/${current.id}/messages`, { messageId, text: body });
                  setText('');
                });
              }}
            >
              <label for="reply-text">{t.reply}</label>
              <textarea id="reply-text" rows={3} maxLength={4000} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
              <button type="submit">{t.send}</button>
            </form>
          </section>
        )}
      </div>
    </section>
  );
}
