import { useState } from 'preact/hooks';
import { login, type SessionUser } from '../shared/api.ts';
import { t } from '../shared/strings.ts';

export function LoginPage({ onLogin }: { onLogin: (u: SessionUser) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="login">
      <h1>{t.loginTitle}</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget as HTMLFormElement);
          setBusy(true);
          setError('');
          try {
            onLogin(await login(String(form.get('email')), String(form.get('password'))));
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="login-email">{t.email}</label>
        <input id="login-email" name="email" type="email" autoComplete="username" required />
        <label for="login-password">{t.password}</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" required />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t.signIn}
        </button>
      </form>
    </main>
  );
}
