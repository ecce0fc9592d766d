// WhatsApp: the connection status and, while waiting for a scan, the QR — refreshed every few
// seconds, since a QR lives ~20 s.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, request } from '../shared/api.ts';
import { t } from '../shared/strings.ts';

interface Status {
  state: string;
  since: string;
  me?: string;
}

const STATES: Record<string, string> = {
  open: 'Conectado',
  qr: 'Aguardando leitura do QR code',
  connecting: 'Conectando…',
  closed: 'Desconectado',
  standby: 'Conectado por outra instância',
  'logged-out': 'Desconectado do celular — leia um novo QR code',
};

export function WhatsAppPage() {
  const [status, setStatus] = useState<Status | undefined>();
  const [qr, setQr] = useState<string | undefined>();
  const [error, setError] = useState('');

  useEffect(() => {
    let stop = false;
    let url: string | undefined;
    const refresh = async () => {
      try {
        const s = await api<Status>('/channels/whatsapp/status');
        if (stop) return;
        setStatus(s);
        setError('');
        if (s.state === 'qr') {
          const blob = await (await request('/channels/whatsapp/qr')).blob();
          if (url) URL.revokeObjectURL(url);
          url = URL.createObjectURL(blob);
          setQr(url);
        } else setQr(undefined);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && err.problem.code === 'not-found') setError(t.whatsappOff);
        else if (!(err instanceof ApiError && err.problem.code === 'no-qr')) setError((err as Error).message);
      }
    };
    void refresh();
    const timer = setInterval(() => void refresh(), 5_000);
    return () => {
      stop = true;
      clearInterval(timer);
      if (url) URL.revokeObjectURL(url);
    };
  }, []);

  return (
    <section aria-labelledby="wa-title">
      <h1 id="wa-title">{t.nav.whatsapp}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <p role="status">
          {t.whatsappStatus}: <strong>{STATES[status.state] ?? status.state}</strong>
          {status.me ? ` (${status.me})` : ''}
        </p>
      )}
      {qr && (
        <figure>
          <img class="qr" src={qr} alt={t.whatsappQr} />
          <figcaption>{t.whatsappScan}</figcaption>
        </figure>
      )}
    </section>
  );
}
