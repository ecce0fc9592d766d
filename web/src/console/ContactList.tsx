// Contatos: search and filters, infinite scroll by cursor, export with the current filters,
// a new contact from pasted text, and a contact's detail.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, download, type SessionUser } from '../shared/api.ts';
import { t } from '../shared/strings.ts';
import { ContactDetail } from './ContactDetail.tsx';
import { type Contact, formatDateTime, formatPhone } from './contact-types.ts';
import { NewContact } from './NewContact.tsx';
import { StatusMessages } from './StatusMessages.tsx';

interface Filters {
  q: string;
  reason: string;
  channel: string;
  createdFrom: string;
  createdTo: string;
}

const EMPTY: Filters = { q: '', reason: '', channel: '', createdFrom: '', createdTo: '' };
const query = (f: Filters) => new URLSearchParams(Object.entries(f).filter(([, v]) => v.trim() !== '')).toString();

export function ContactList({ user }: { user: SessionUser }) {
  const [filters, setFilters] = useState(EMPTY);
  const [applied, setApplied] = useState(EMPTY);
  const [items, setItems] = useState<Contact[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [open, setOpen] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [exporting, setExporting] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);
  const loading = useRef(false);

  async function load(f: Filters, cursor: string | null) {
    if (loading.current) return;
    loading.current = true;
    try {
      const qs = query(f);
      const page = await api<{ items: Contact[]; nextCursor: string | null }>(`/contacts?limit=50${qs ? `&${qs}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      setItems((all) => (cursor ? [...all, ...page.items] : page.items));
      setNext(page.nextCursor);
      setError('');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      loading.current = false;
    }
  }

  useEffect(() => void load(applied, null), [applied]);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !next) return;
    const io = new IntersectionObserver((entries) => entries[0]?.isIntersecting && void load(applied, next));
    io.observe(el);
    return () => io.disconnect();
  }, [next, applied]);

  if (open) {
    return (
      <ContactDetail
        id={open}
        user={user}
        onClose={(message) => {
          setOpen(undefined);
          setNotice(message ?? '');
          void load(applied, null);
        }}
      />
    );
  }

  const field = (name: keyof Filters, label: string, type: string = 'text') => (
    <div>
      <label for={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} type={type as 'text'} value={filters[name]} onInput={(e) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value })} />
    </div>
  );

  return (
    <section aria-labelledby="contacts-title">
      <h1 id="contacts-title">{t.nav.contacts}</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        <div>
          <label for="f-q">{t.search}</label>
          <input id="f-q" type="search" placeholder={t.searchHint} value={filters.q} onInput={(e) => setFilters({ ...filters, q: (e.target as HTMLInputElement).value })} />
        </div>
        {field('reason', t.reasonFilter)}
        <div>
          <label for="f-channel">{t.channelFilter}</label>
          <select id="f-channel" value={filters.channel} onChange={(e) => setFilters({ ...filters, channel: (e.target as HTMLSelectElement).value })}>
            <option value="">{t.anyChannel}</option>
            {['web', 'whatsapp', 'whatsapp-cloud', 'telegram', 'api'].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        {field('createdFrom', t.fromDate, 'date')}
        {field('createdTo', t.toDate, 'date')}
        <button type="submit">{t.applyFilters}</button>
      </form>

      <div class="toolbar">
        <button type="button" class="secondary" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          {t.newContact}
        </button>
        {user.role === 'admin' && (
          <div class="menu">
            <button type="button" class="secondary" aria-expanded={exporting} onClick={() => setExporting(!exporting)}>
              {t.export}
            </button>
            {exporting && (
              <ul>
                {['xlsx', 'csv', 'json'].map((format) => (
                  <li key={format}>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => {
                        setExporting(false);
                        const qs = query(applied);
                        download(`/contacts/export?format=${format}${qs ? `&${qs}` : ''}`, `contatos.${format}`).catch((err) => setError((err as Error).message));
                      }}
                    >
                      {format}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      {creating && (
        <NewContact
          onDone={(message) => {
            setCreating(false);
            setNotice(message);
            void load(applied, null);
          }}
        />
      )}
      <StatusMessages notice={notice} error={error} />
      {!items.length && !error && <p>{t.noContacts}</p>}
      <ul class="cards" aria-label={t.nav.contacts}>
        {items.map((c) => (
          <li key={c.id} class="card">
            <button type="button" class="link" onClick={() => setOpen(c.id)}>
              {c.name}
            </button>
            <div>
              {formatPhone(c.phone)} · {c.source.channel} · {formatDateTime(c.createdAt)}
            </div>
            <div class="muted">{c.reason}</div>
          </li>
        ))}
      </ul>
      <div ref={sentinel} />
      {next && (
        <button type="button" class="secondary" onClick={() => void load(applied, next)}>
          {t.loadMore}
        </button>
      )}
    </section>
  );
}
