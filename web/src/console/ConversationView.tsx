// One conversation: its timeline (person, bot and staff messages) and, in a handoff, claim /
// release, the reply box and "Devolver ao robô". Re-read whenever the page's live stream
// reports something about this conversation (`version` changes).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, post, type SessionUser } from '../shared/api.ts';
import { t } from '../shared/strings.ts';
import { formatDateTime, formatPhone } from './contact-types.ts';
import { type ConversationDetail, staffName, type TimelineEntry } from './conversation-types.ts';

function authorOf(m: TimelineEntry): string {
  if (m.direction === 'inbound') return t.fromPerson;
  return m.author ? t.fromStaff(staffName(m.author)) : t.fromBot;
}

export function ConversationView({ id, user, version, onChanged }: { id: string; user: SessionUser; version: number; onChanged: () => void }) {
  const [c, setC] = useState<ConversationDetail | undefined>();
  const [text, setText] = useState('');
  // A failed send keeps its id: retrying the same text cannot deliver it twice.
  const [pendingId, setPendingId] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const shownFor = useRef<string | undefined>(undefined);

  const load = () =>
    api<ConversationDetail>(`/conversations/${id}`).then(
      (d) => setC(d),
      (err) => setError((err as Error).message),
    );
  useEffect(() => {
    setC(undefined);
    setText('');
    setPendingId(undefined);
    setNotice('');
    setError('');
  }, [id]);
  useEffect(() => void load(), [id, version]);
  // A newly opened conversation takes the focus (and, on a phone, the screen): it sits below
  // the lists there.
  useEffect(() => {
    if (c && c.id === id && shownFor.current !== id) {
      shownFor.current = id;
      heading.current?.focus();
    }
  }, [c, id]);
  // The newest message in view, as in any chat.
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [c?.timeline.length]);

  async function act(fn: () => Promise<unknown>, done?: string) {
    setError('');
    setNotice('');
    setBusy(true);
    try {
      await fn();
      if (done) setNotice(done);
      onChanged();
      await load();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (!c) return <p class="muted">{error || t.loading}</p>;
  const who = c.person?.name || t.unknownPerson;
  const inHandoff = c.status === 'handoff';
  const mine = c.claimedBy?.id === user.id;
  // Held by someone else: attendants only look; an admin may still take over and write.
  const othersOnly = !!c.claimedBy && !mine && user.role !== 'admin';
  // Control rows (resume, restart) are commands, not something the person wrote.
  const messages = c.timeline.filter((m) => !m.kind.startsWith('control'));

  return (
    <section aria-labelledby="timeline-title" class="conversation">
      <h2 id="timeline-title" tabIndex={-1} ref={heading}>
        {t.timelineOf(who)}
      </h2>
      <p class="muted">
        {c.person?.phone ? `${formatPhone(c.person.phone)} · ` : ''}
        {c.channel} · {t.statusNames[c.status] ?? c.status}
        {c.claimedBy ? ` · ${mine ? t.claimedByYou : t.claimedBy(staffName(c.claimedBy))}` : ''}
      </p>
      {!messages.length && <p>{t.emptyTimeline}</p>}
      {/* Scrollable, so it takes the focus: keyboard users scroll it too. */}
      <ol class="timeline" aria-label={t.timelineOf(who)} tabIndex={0} ref={list}>
        {messages.map((m) => (
          <li key={`${m.direction}-${m.id}`} class={m.direction === 'outbound' ? 'out' : 'in'}>
            <span class="who-said">{authorOf(m)}</span>
            {m.text}
            <div class="muted">{formatDateTime(m.at)}</div>
          </li>
        ))}
      </ol>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="muted" role="status">
        {notice}
      </p>
      {inHandoff && !othersOnly && (
        <>
          <div class="actions">
            {!mine && (
              <button type="button" disabled={busy} onClick={() => void act(() => post(`/conversations/${c.id}/claim`))}>
                {t.claim}
              </button>
            )}
            {mine && (
              <button type="button" class="secondary" disabled={busy} onClick={() => void act(() => post(`/conversations/${c.id}/release`))}>
                {t.release}
              </button>
            )}
            <button type="button" class="secondary" disabled={busy} onClick={() => void act(() => post(`/conversations/${c.id}/resume`, {}), t.handedBack)}>
              {t.handBack}
            </button>
          </div>
          <form
            class="form-grid"
            onSubmit={(e) => {
              e.preventDefault();
              const body = text.trim();
              if (!body || busy) return;
              const messageId = pendingId ?? `console-${crypto.randomUUID()}`;
              setPendingId(messageId);
              void act(async () => {
                await post(`/conversations/${c.id}/messages`, { messageId, text: body });
                setPendingId(undefined);
                setText('');
              }, t.replySent);
            }}
          >
            <label for="reply-text">{t.reply}</label>
            <textarea
              id="reply-text"
              rows={3}
              maxLength={4096}
              value={text}
              onInput={(e) => {
                setText((e.target as HTMLTextAreaElement).value);
                // Another text is another message.
                setPendingId(undefined);
              }}
            />
            <button type="submit" disabled={busy}>
              {t.send}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
