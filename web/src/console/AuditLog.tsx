// Auditoria (admin): who did what and when, newest first, paged by cursor. Entries hold no
// personal data (the API never records any).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../shared/api.ts';
import { t } from '../shared/strings.ts';
import { formatDateTime } from './contact-types.ts';

interface Entry {
  id: string;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
}

export function AuditLog() {
  const [items, setItems] = useState<Entry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const load = (cursor: string | null) =>
    api<{ items: Entry[]; nextCursor: string | null }>(`/audit?limit=50${cursor ? `&cursor=${cursor}` : ''}`).then(
      (p) => {
        setItems((all) => (cursor ? [...all, ...p.items] : p.items));
        setNext(p.nextCursor);
      },
      (err) => setError((err as Error).message),
    );
  useEffect(() => void load(null), []);

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">{t.auditTitle}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table>
        <caption class="sr-only">{t.auditTitle}</caption>
        <thead>
          <tr>
            <th scope="col">{t.when}</th>
            <th scope="col">{t.action}</th>
            <th scope="col">{t.who}</th>
            <th scope="col" class="hide-narrow">
              {t.entity}
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td>{formatDateTime(e.at)}</td>
              <td>{e.action}</td>
              <td>{e.actorRole ? (t.roles[e.actorRole] ?? e.actorRole) : '—'}</td>
              <td class="hide-narrow">
                {e.entityType}
                {e.entityId ? ` ${e.entityId.slice(0, 8)}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" class="secondary" onClick={() => void load(next)}>
          {t.loadMore}
        </button>
      )}
    </section>
  );
}
