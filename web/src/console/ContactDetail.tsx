// One contact: edit, sync status and retry, portability download, LGPD erase behind a
// confirmation dialog (admin only, as the API).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, download, post, type SessionUser } from '../shared/api.ts';
import { t } from '../shared/strings.ts';
import { type Contact, formatDateTime, formatPhone } from './contact-types.ts';
import { StatusMessages } from './StatusMessages.tsx';

export function ContactDetail({ id, user, onClose }: { id: string; user: SessionUser; onClose: (message?: string) => void }) {
  const [contact, setContact] = useState<Contact | undefined>();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    api<Contact>(`/contacts/${id}`).then(setContact, (err) => setError((err as Error).message));
  }, [id]);
  useEffect(() => heading.current?.focus(), [contact?.id]);

  if (!contact) return <p role={error ? 'alert' : undefined}>{error || t.loading}</p>;
  const admin = user.role === 'admin';

  async function saveEdit(form: FormData) {
    setError('');
    try {
      const email = String(form.get('email') ?? '').trim();
      const body = { name: form.get('name'), phone: form.get('phone'), email: email || null, reason: form.get('reason') };
      setContact(await api<Contact>(`/contacts/${id}`, { method: 'PATCH', body: JSON.stringify(body) }));
      setEditing(false);
      setNotice(t.saved);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <section class="detail" aria-labelledby="contact-name">
      <button type="button" class="secondary" onClick={() => onClose()}>
        {t.back}
      </button>
      <h1 id="contact-name" tabIndex={-1} ref={heading}>
        {contact.name}
      </h1>
      <StatusMessages notice={notice} error={error} />
      {editing ? (
        <form
          class="form-grid"
          onSubmit={(e) => {
            e.preventDefault();
            void saveEdit(new FormData(e.currentTarget as HTMLFormElement));
          }}
        >
          {(['name', 'phone', 'email', 'reason'] as const).map((k) => (
            <div key={k}>
              <label for={`edit-${k}`}>{{ name: t.name, phone: t.phone, email: t.email, reason: t.reason }[k]}</label>
              <input id={`edit-${k}`} name={k} defaultValue={(k === 'phone' ? contact.phone : contact[k]) ?? ''} required={k !== 'email'} />
            </div>
          ))}
          <div class="actions">
            <button type="submit">{t.save}</button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>
              {t.cancel}
            </button>
          </div>
        </form>
      ) : (
        <dl>
          <dt>{t.phone}</dt>
          <dd>{formatPhone(contact.phone)}</dd>
          <dt>{t.email}</dt>
          <dd>{contact.email ?? t.notInformed}</dd>
          <dt>{t.reason}</dt>
          <dd>{contact.reason}</dd>
          <dt>{t.channel}</dt>
          <dd>{contact.source.channel}</dd>
          <dt>{t.createdAt}</dt>
          <dd>{formatDateTime(contact.createdAt)}</dd>
          <dt>{t.sync}</dt>
          <dd>
            {t.syncStatus[contact.sync.status] ?? contact.sync.status}
            {contact.sync.error ? ` — ${contact.sync.error}` : ''}
          </dd>
        </dl>
      )}
      {!editing && (
        <div class="actions">
          <button type="button" onClick={() => setEditing(true)}>
            {t.edit}
          </button>
          {contact.sync.status === 'failed' && (
            <button
              type="button"
              class="secondary"
              onClick={() =>
                post(`/contacts/${id}/sync`).then(
                  () => api<Contact>(`/contacts/${id}`).then(setContact),
                  (err) => setError((err as Error).message),
                )
              }
            >
              {t.retrySync}
            </button>
          )}
          {admin && (
            <button type="button" class="secondary" onClick={() => download(`/contacts/${id}/data`, 'dados.json').catch((err) => setError((err as Error).message))}>
              {t.portability}
            </button>
          )}
          {admin && (
            <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>
              {t.erase}
            </button>
          )}
        </div>
      )}
      <dialog ref={dialog} aria-labelledby="erase-title" aria-describedby="erase-text">
        <h2 id="erase-title">{t.eraseConfirmTitle}</h2>
        <p id="erase-text">{t.eraseConfirmText}</p>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            {t.cancel}
          </button>
          <button
            type="button"
            class="danger"
            onClick={async () => {
              try {
                await api(`/contacts/${id}`, { method: 'DELETE' });
                dialog.current?.close();
                onClose(t.erased);
              } catch (err) {
                dialog.current?.close();
                setError((err as Error).message);
              }
            }}
          >
            {t.eraseConfirm}
          </button>
        </div>
      </dialog>
    </section>
  );
}
