// Conversas: the live handoff queue (no reload), all conversations with filters, and the
// selected conversation's timeline with claim, reply and hand back to the bot. Live through
// the staff SSE stream, opened with a single-use ticket from POST /auth/stream-ticket (never
// a token in a URL); every (re)connection asks for a fresh ticket and resumes with
// Last-Event-ID, so events missed while away arrive as backlog.
import { useEffect, useState } from 'preact/hooks';
import { api, post, type SessionUser } from '../shared/api.ts';
import { openEventStream } from '../shared/event-stream.ts';
import { t } from '../shared/strings.ts';
import { formatPhone } from './contact-types.ts';
import { ConversationList } from './ConversationList.tsx';
import { ConversationView } from './ConversationView.tsx';
import { type ConversationSummary, staffName } from './conversation-types.ts';

export function HandoffQueue({ user }: { user: SessionUser }) {
  const [queue, setQueue] = useState<ConversationSummary[]>([]);
  // The server's waits are as of this read; the page adds the time since (its own clock).
  const [readAt, setReadAt] = useState(Date.now());
  const [, setNow] = useState(0);
  const [selected, setSelected] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);
  // Bumped by the stream: the list re-reads on any event, the open conversation on its own.
  const [listVersion, setListVersion] = useState(0);
  const [changed, setChanged] = useState<{ id?: string; n: number }>({ n: 0 });

  const reloadQueue = () =>
    api<{ items: ConversationSummary[] }>('/conversations?status=handoff&limit=200').then(
      (p) => {
        setError('');
        setQueue(p.items);
        setReadAt(Date.now());
      },
      (err) => setError((err as Error).message),
    );

  useEffect(() => {
    void reloadQueue();
    let ticket = '';
    return openEventStream({
      url: () => `/conversations/events?ticket=${encodeURIComponent(ticket)}`,
      before: async () => {
        ticket = (await post<{ ticket: string }>('/auth/stream-ticket')).ticket;
      },
      onState: (up) => {
        setLive(up);
        // Back after a drop: anything may have changed meanwhile.
        if (up) {
          void reloadQueue();
          setListVersion((n) => n + 1);
        }
      },
      onEvent: (e) => {
        let data: { conversationId?: string };
        try {
          data = JSON.parse(e.data) as { conversationId?: string };
        } catch {
          return;
        }
        if (e.event.startsWith('handoff.') || e.event === 'message.inbound') void reloadQueue();
        if (e.event.startsWith('handoff.')) setListVersion((n) => n + 1);
        setChanged((c) => ({ id: data.conversationId, n: c.n + 1 }));
      },
    });
  }, []);

  // The waits go on while nobody acts.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);

  // The open conversation's version only moves for events about it.
  const [viewVersion, setViewVersion] = useState(0);
  useEffect(() => {
    if (selected && changed.id === selected) setViewVersion((n) => n + 1);
  }, [changed]);

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
        <div>
          <section aria-labelledby="queue-title">
            <h2 id="queue-title">{t.handoffQueue}</h2>
            {!queue.length && <p>{t.noHandoffs}</p>}
            <ul class="cards" aria-label={t.handoffQueue}>
              {queue.map((h) => (
                <li key={h.id} class="card">
                  <button type="button" class="link" aria-pressed={h.id === selected} onClick={() => setSelected(h.id)}>
                    {h.person?.name || t.unknownPerson}
                  </button>
                  <div>
                    {h.person?.phone ? `${formatPhone(h.person.phone)} · ` : ''}
                    {h.channel} · {t.waiting((h.waitSeconds ?? 0) + Math.floor((Date.now() - readAt) / 1000))}
                  </div>
                  {h.claimedBy && <div class="muted">{h.claimedBy.id === user.id ? t.claimedByYou : t.claimedBy(staffName(h.claimedBy))}</div>}
                </li>
              ))}
            </ul>
          </section>
          <ConversationList selected={selected} onSelect={setSelected} version={listVersion} />
        </div>
        {selected && (
          <ConversationView
            id={selected}
            user={user}
            version={viewVersion}
            onChanged={() => {
              void reloadQueue();
              setListVersion((n) => n + 1);
            }}
          />
        )}
      </div>
    </section>
  );
}
