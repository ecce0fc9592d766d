// The visitor's web chat session, kept in sessionStorage so a reload continues the same
// conversation (and a closed tab forgets it).
export interface ChatSession {
  chatId: string;
  token: string;
  expiresAt: string;
}

const KEY = 'atende.chat.session';

export function storedSession(): ChatSession | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as ChatSession | null;
    return s && Date.parse(s.expiresAt) > Date.now() + 60_000 ? s : undefined;
  } catch {
    return undefined;
  }
}

export async function openSession(): Promise<ChatSession> {
  const res = await fetch('/channels/web/sessions', { method: 'POST' });
  if (!res.ok) throw new Error(`session ${res.status}`);
  const s = (await res.json()) as ChatSession;
  sessionStorage.setItem(KEY, JSON.stringify({ chatId: s.chatId, token: s.token, expiresAt: s.expiresAt }));
  return s;
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
}
