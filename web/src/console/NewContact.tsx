// A new contact from pasted free text: what was understood is shown, editable, before saving.
import { useState } from 'preact/hooks';
import { post } from '../shared/api.ts';
import { t } from '../shared/strings.ts';
import type { Contact } from './contact-types.ts';

interface Draft {
  name: string;
  phone: string;
  email: string;
  reason: string;
}

export function NewContact({ onDone }: { onDone: (message: string) => void }) {
  const [text, setText] = useState('');
  const [draft, setDraft] = useState<Draft | undefined>();
  const [error, setError] = useState('');

  async function understand() {
    setError('');
    try {
      const found = await post<{ fields: Partial<Draft> }>('/contacts/preview', { text });
      setDraft({ name: found.fields.name ?? '', phone: found.fields.phone ?? '', email: found.fields.email ?? '', reason: found.fields.reason ?? '' });
    } catch (err) {
      setError((err as Error).message);
      // Nothing understood (LLM off, data missing): the fields can still be typed in.
      setDraft((d) => d ?? { name: '', phone: '', email: '', reason: '' });
    }
  }

  async function save() {
    if (!draft) return;
    setError('');
    try {
      await post<Contact>('/contacts', { ...draft, email: draft.email.trim() || null });
      onDone(t.created);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <section class="card form-grid" aria-labelledby="new-contact">
      <h2 id="new-contact">{t.newContact}</h2>
      <div>
        <label for="new-text">{t.pasteText}</label>
        <textarea id="new-text" rows={4} aria-describedby="new-hint" value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        <p id="new-hint" class="muted">
          {t.pasteHint}
        </p>
        <button type="button" onClick={() => void understand()} disabled={!text.trim()}>
          {t.understand}
        </button>
      </div>
      {draft && (
        <div class="form-grid">
          <p>{t.understood}</p>
          {(['name', 'phone', 'email', 'reason'] as const).map((k) => (
            <div key={k}>
              <label for={`new-${k}`}>{{ name: t.name, phone: t.phone, email: t.email, reason: t.reason }[k]}</label>
              <input id={`new-${k}`} value={draft[k]} onInput={(e) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value })} />
            </div>
          ))}
          <button type="button" onClick={() => void save()}>
            {t.save}
          </button>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
