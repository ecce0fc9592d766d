export interface Contact {
  id: string;
  name: string;
  phone: string;
  email: string | null;
  reason: string;
  source: { channel: string; chatId: string | null };
  mode: string;
  consentAt: string | null;
  sync: { status: string; error: string | null; syncedAt: string | null };
  createdAt: string;
}

export const formatDateTime = (iso: string) =>
  new Intl.DateTimeFormat('pt-BR', { timeZone: 'America/Sao_Paulo', dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));

/** "+5511999998888" → "(11) 99999-8888". */
export const formatPhone = (e164: string) => {
  const br = /^\+55(\d{2})(\d{4,5})(\d{4})$/.exec(e164);
  return br ? `(${br[1]}) ${br[2]}-${br[3]}` : e164;
};
