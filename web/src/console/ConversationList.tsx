// Todas as conversas: filters (situação, canal) and pages by cursor. Re-read when the live
// stream says something changed (`version`).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../shared/api.ts';
import { t } from '../shared/strings.ts';
import { formatDateTime } from './contact-types.ts';
import { CHANNELS, type ConversationSummary, STATUSES } from './conversation-types.ts';

export function ConversationList({ selected, onSelect, version }: { selected?: string; onSelect: (id: string) => void; version: number }) {
  const [status, setStatus] = useState('');
  const [channel, setChannel] = useState('');
  const [applied, setApplied] = useState({ status: '', channel: '' });
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');

  const query = (more?: string) => {
    const q = new URLSearchParams({ limit: '20' });
    if (applied.status) q.set('status', applied.status);
    if (applied.channel) q.set('channel', applied.channel);
    if (more) q.set('cursor', more);
    return `/conversations?${q}`;
  };
  const load = (more?: string) =>
    api<{ items: ConversationSummary[]; nextCursor: string | null }>(query(more)).then(
      (p) => {
        setError('');
        setItems((old) => (more ? [...old, ...p.items] : p.items));
        setCursor(p.nextCursor);
      },
      (err) => setError((err as Error).message),
    );
  useEffect(() => void load(), [applied, version]);

  return (
    <section aria-labelledby="all-title">
      <h2 id="all-title">{t.allConversations}</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ status, channel });
        }}
      >
        <label>
          {t.conversationStatus}
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">{t.anyStatus}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t.statusNames[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.channel}
          <select value={channel} onChange={(e) => setChannel((e.target as HTMLSelectElement).value)}>
            <option value="">{t.anyChannel}</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t.applyFilters}</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!items.length && !error && <p>{t.noConversations}</p>}
      <ul class="cards" aria-label={t.allConversations}>
        {items.map((c) => (
          <li key={c.id} class="card">
            <button type="button" class="link" aria-pressed={c.id === selected} onClick={() => onSelect(c.id)}>
              {c.person?.name || t.conversationOn(c.channel, formatDateTime(c.createdAt))}
            </button>
            <div class="muted">
              {t.statusNames[c.status] ?? c.status} · {c.channel} · {formatDateTime(c.lastActivityAt)}
            </div>
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" class="secondary" onClick={() => void load(cursor)}>
          {t.loadMore}
        </button>
      )}
    </section>
  );
}
