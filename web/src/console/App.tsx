// The staff console (/): the login page when signed out, else the pages the role may use.
// Attendants don't see admin pages (and the API refuses them anyway).
import { useEffect, useState } from 'preact/hooks';
import { logout, onSignedOut, resume, type SessionUser } from '../shared/api.ts';
import { t } from '../shared/strings.ts';
import { AuditLog } from './AuditLog.tsx';
import { ContactList } from './ContactList.tsx';
import { HandoffQueue } from './HandoffQueue.tsx';
import { LoginPage } from './LoginPage.tsx';
import { UserList } from './UserList.tsx';
import { WhatsAppPage } from './WhatsAppPage.tsx';

type Page = 'contatos' | 'conversas' | 'whatsapp' | 'usuarios' | 'auditoria';
const PAGES: { id: Page; label: string; admin: boolean }[] = [
  { id: 'contatos', label: t.nav.contacts, admin: false },
  { id: 'conversas', label: t.nav.conversations, admin: false },
  { id: 'whatsapp', label: t.nav.whatsapp, admin: true },
  { id: 'usuarios', label: t.nav.users, admin: true },
  { id: 'auditoria', label: t.nav.audit, admin: true },
];

const pageOfHash = (): Page => (PAGES.find((p) => `#/${p.id}` === location.hash)?.id ?? 'contatos');

export function App() {
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const [page, setPage] = useState<Page>(pageOfHash);

  useEffect(() => {
    void resume().then((u) => setUser(u ?? null));
    const off = onSignedOut(() => setUser(null));
    const onHash = () => setPage(pageOfHash());
    addEventListener('hashchange', onHash);
    return () => {
      off();
      removeEventListener('hashchange', onHash);
    };
  }, []);

  if (user === undefined) return <p class="loading">{t.loading}</p>;
  if (user === null) return <LoginPage onLogin={setUser} />;

  const pages = PAGES.filter((p) => !p.admin || user.role === 'admin');
  const current = pages.some((p) => p.id === page) ? page : 'contatos';
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">atende</span>
        <nav aria-label={t.mainNav}>
          <ul>
            {pages.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === current ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          <span class="muted">{user.email}</span>
          <button type="button" class="secondary" onClick={() => void logout().then(() => setUser(null))}>
            {t.signOut}
          </button>
        </span>
      </header>
      <main class="page">
        {current === 'contatos' && <ContactList user={user} />}
        {current === 'conversas' && <HandoffQueue user={user} />}
        {current === 'whatsapp' && <WhatsAppPage />}
        {current === 'usuarios' && <UserList />}
        {current === 'auditoria' && <AuditLog />}
      </main>
    </div>
  );
}
