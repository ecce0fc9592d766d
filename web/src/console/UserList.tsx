// Usuários (admin): staff with roles and chat identities; create, change role, reset a
// password, disable (the user's sessions end at once).
import { useEffect, useState } from 'preact/hooks';
import { api, post } from '../shared/api.ts';
import { t } from '../shared/strings.ts';
import { StatusMessages } from './StatusMessages.tsx';

interface User {
  id: string;
  email: string;
  name: string | null;
  role: 'admin' | 'attendant';
  identities: { channel: string; address: string }[];
  disabled?: boolean;
}

/** "telegram @maria" per line → [{channel, address}]. */
const parseIdentities = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [channel = '', ...rest] = l.split(/\s+/);
      return { channel, address: rest.join(' ') };
    });

export function UserList() {
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const reload = () => api<{ items: User[] }>('/users').then((r) => setUsers(r.items), (err) => setError((err as Error).message));
  useEffect(() => void reload(), []);

  async function act(fn: () => Promise<unknown>, done: string) {
    setError('');
    setNotice('');
    try {
      await fn();
      setNotice(done);
      await reload();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">{t.usersTitle}</h1>
      <StatusMessages notice={notice} error={error} />
      <form
        class="card form-grid"
        aria-labelledby="new-user"
        onSubmit={(e) => {
          e.preventDefault();
          const formEl = e.currentTarget as HTMLFormElement;
          const f = new FormData(formEl);
          void act(
            () =>
              post('/users', {
                email: f.get('email'),
                name: String(f.get('name') ?? '').trim() || undefined,
                password: f.get('password'),
                role: f.get('role'),
                identities: parseIdentities(String(f.get('identities') ?? '')),
              }).then(() => formEl.reset()),
            t.saved,
          );
        }}
      >
        <h2 id="new-user">{t.newUser}</h2>
        <div>
          <label for="u-email">{t.email}</label>
          <input id="u-email" name="email" type="email" required />
        </div>
        <div>
          <label for="u-name">{t.name}</label>
          <input id="u-name" name="name" />
        </div>
        <div>
          <label for="u-password">{t.password}</label>
          <input id="u-password" name="password" type="password" minLength={10} autoComplete="new-password" required />
        </div>
        <div>
          <label for="u-role">{t.role}</label>
          <select id="u-role" name="role">
            <option value="attendant">{t.roles.attendant}</option>
            <option value="admin">{t.roles.admin}</option>
          </select>
        </div>
        <div>
          <label for="u-identities">{t.identities}</label>
          <textarea id="u-identities" name="identities" rows={2} placeholder="telegram @maria" />
        </div>
        <button type="submit">{t.create}</button>
      </form>
      <table>
        <caption class="sr-only">{t.usersTitle}</caption>
        <thead>
          <tr>
            <th scope="col">{t.email}</th>
            <th scope="col">{t.role}</th>
            <th scope="col" class="hide-narrow">
              {t.identities}
            </th>
            <th scope="col">
              <span class="sr-only">Ações</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>
                {u.name ? `${u.name} — ` : ''}
                {u.email}
              </td>
              <td>
                <label class="sr-only" for={`role-${u.id}`}>
                  {`${t.role} de ${u.email}`}
                </label>
                <select
                  id={`role-${u.id}`}
                  value={u.role}
                  onChange={(e) => void act(() => api(`/users/${u.id}`, { method: 'PATCH', body: JSON.stringify({ role: (e.target as HTMLSelectElement).value }) }), t.saved)}
                >
                  <option value="attendant">{t.roles.attendant}</option>
                  <option value="admin">{t.roles.admin}</option>
                </select>
              </td>
              <td class="hide-narrow">{u.identities.map((i) => `${i.channel} ${i.address}`).join(', ')}</td>
              <td class="actions">
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    const password = prompt(`${t.newPassword} (${u.email})`);
                    if (password) void act(() => api(`/users/${u.id}`, { method: 'PATCH', body: JSON.stringify({ password }) }), t.saved);
                  }}
                >
                  {t.resetPassword}
                </button>
                {u.disabled ? (
                  <span class="muted">{t.disabled}</span>
                ) : (
                  <button
                    type="button"
                    class="danger"
                    onClick={() => confirm(`${t.disable}: ${u.email}?`) && void act(() => api(`/users/${u.id}`, { method: 'PATCH', body: JSON.stringify({ disabled: true }) }), t.saved)}
                  >
                    {t.disable}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
