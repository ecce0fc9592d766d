// The public chat (/chat): mobile-first, bot text rendered as text (never HTML), messages
// posted with the client's own id (a retry keeps it, so the server sees a duplicate, not a
// second message), replies live over SSE, quick-reply chips for the bot's options, and
// "digitando…" while the bot works on a turn (SSE `typing`; any reply also ends it, since
// replies go out only once their turn is over).
import { useEffect, useRef, useState } from 'preact/hooks';
import { openEventStream } from '../shared/event-stream.ts';
import { t } from '../shared/strings.ts';
import { type ChatSession, forgetSession, openSession, store, storedSession } from './chat-session.ts';

interface Option {
  id: string;
  title: string;
}

interface Line {
  key: string;
  from: 'me' | 'bot';
  text: string;
  options?: Option[];
  state?: 'sending' | 'sent' | 'failed';
  messageId?: string;
}

const MINE = 'atende.chat.mine';
const newId = () => `web-${crypto.randomUUID()}`;
const privacyUrl = () => document.querySelector<HTMLMetaElement>('meta[name="atende-privacy-notice"]')?.content || undefined;

export function ChatPage({ title }: { title?: string }) {
  const [session, setSession] = useState<ChatSession | undefined>(storedSession);
  const [bot, setBot] = useState<(Line & { id: number })[]>([]);
  const [mine, setMine] = useState<(Line & { after: number })[]>(() => {
    try {
      return JSON.parse(store.get(MINE) ?? '[]');
    } catch {
      return [];
    }
  });
  const [text, setText] = useState('');
  const [live, setLive] = useState(true);
  const [typing, setTyping] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  const lastBotId = bot.at(-1)?.id ?? 0;

  useEffect(() => store.set(MINE, JSON.stringify(mine.map((m) => ({ ...m, state: m.state === 'sending' ? 'failed' : m.state })))), [mine]);

  useEffect(() => {
    if (!session) return;
    return openEventStream({
      url: () => `/channels/web/chats/${encodeURIComponent(session.chatId)}/events`,
      headers: () => ({ authorization: `Bearer ${session.token}` }),
      onState: setLive,
      onEvent: (e) => {
        if (e.event === 'typing') return setTyping((JSON.parse(e.data) as { typing: boolean }).typing === true);
        if (e.event !== 'reply') return;
        setTyping(false);
        const r = JSON.parse(e.data) as { id: number; text: string; options: Option[] };
        setBot((all) => (all.some((b) => b.id === r.id) ? all : [...all, { key: `b${r.id}`, id: r.id, from: 'bot', text: r.text, options: r.options }]));
      },
    });
  }, [session]);

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [bot.length, mine.length]);

  async function post(line: Line & { after: number }) {
    let s = session;
    try {
      s ??= await openSession();
      if (s !== session) setSession(s);
      const res = await fetch('/channels/web/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
        body: JSON.stringify({ messageId: line.messageId, text: line.text }),
      });
      if (res.status === 401) {
        forgetSession();
        setSession(undefined);
      }
      setMine((all) => all.map((m) => (m.key === line.key ? { ...m, state: res.ok ? 'sent' : 'failed' } : m)));
    } catch {
      setMine((all) => all.map((m) => (m.key === line.key ? { ...m, state: 'failed' } : m)));
    }
  }

  function send(value: string) {
    const clean = value.trim();
    if (!clean) return;
    const messageId = newId();
    const line = { key: messageId, from: 'me' as const, text: clean, state: 'sending' as const, messageId, after: lastBotId };
    setMine((all) => [...all, line]);
    setText('');
    void post(line);
  }

  function retry(line: Line & { after: number }) {
    setMine((all) => all.map((m) => (m.key === line.key ? { ...m, state: 'sending' } : m)));
    void post(line);
  }

  // My messages sit after the bot reply that was the last one when I sent them.
  const lines: Line[] = [...bot.map((b) => ({ ...b, pos: b.id, k: 0 })), ...mine.map((m) => ({ ...m, pos: m.after, k: 1 }))].sort((a, b) => a.pos - b.pos || a.k - b.k);
  const last = bot.at(-1);
  // Chips only while the bot's last reply is the last line (nothing typed since).
  const chips = last && lines.at(-1)?.key === last.key ? (last.options ?? []) : [];
  const privacy = privacyUrl();

  return (
    <div class="chat">
      <header class="chat-head">
        <h1>{title ?? t.chatTitle}</h1>
        {privacy && (
          <a href={privacy} target="_blank" rel="noopener noreferrer">
            {t.privacy}
          </a>
        )}
      </header>
      <main class="chat-body">
        {!lines.length && <p class="hint">{t.chatIntro}</p>}
        <ol ref={list} class="lines" aria-live="polite" aria-label={t.chatTitle}>
          {lines.map((l) => (
            <li key={l.key} class={`line ${l.from}`}>
              <p class="bubble">{l.text}</p>
              {l.from === 'me' && l.state === 'failed' ? (
                <button type="button" class="status failed" onClick={() => retry(l as Line & { after: number })}>
                  {t.failed}
                </button>
              ) : (
                l.from === 'me' && <span class="status">{l.state === 'sending' ? t.sending : t.sent}</span>
              )}
            </li>
          ))}
        </ol>
        <p class="typing" aria-live="polite">
          {typing ? t.botTyping : ''}
        </p>
        {!live && <p class="offline" role="status">{t.chatOffline}</p>}
      </main>
      {chips.length > 0 && (
        <div class="chips" role="group" aria-label={t.quickReplies}>
          {chips.map((o) => (
            <button type="button" key={o.id} onClick={() => send(o.title)}>
              {o.title}
            </button>
          ))}
        </div>
      )}
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault();
          send(text);
        }}
      >
        <label for="chat-message" class="sr-only">
          {t.message}
        </label>
        <textarea
          id="chat-message"
          rows={1}
          maxLength={4000}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              send(text);
            }
          }}
        />
        <button type="submit">{t.send}</button>
      </form>
    </div>
  );
}
