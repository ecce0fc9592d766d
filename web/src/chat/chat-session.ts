// The visitor's web chat session, kept in sessionStorage so a reload continues the same
// conversation (and a closed tab forgets it).
export interface ChatSession {
  chatId: string;
  token: string;
  expiresAt: string;
}

const KEY = 'atende.chat.session';

// Inside another site's iframe the browser may refuse storage (third-party storage blocked):
// then the chat works for the page's lifetime only.
const memory = new Map<string, string>();
export const store = {
  get(key: string): string | null {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key: string, value: string): void {
    try {
      sessionStorage.setItem(key, value);
    } catch {
      memory.set(key, value);
    }
  },
  remove(key: string): void {
    try {
      sessionStorage.removeItem(key);
    } catch {
      memory.delete(key);
    }
  },
};

export function storedSession(): ChatSession | undefined {
  try {
    const s = JSON.parse(store.get(KEY) ?? 'null') as ChatSession | null;
    return s && Date.parse(s.expiresAt) > Date.now() + 60_000 ? s : undefined;
  } catch {
    return undefined;
  }
}

export async function openSession(): Promise<ChatSession> {
  const res = await fetch('/channels/web/sessions', { method: 'POST' });
  if (!res.ok) throw new Error(`session ${res.status}`);
  const s = (await res.json()) as ChatSession;
  store.set(KEY, JSON.stringify({ chatId: s.chatId, token: s.token, expiresAt: s.expiresAt }));
  return s;
}

export function forgetSession(): void {
  store.remove(KEY);
}
