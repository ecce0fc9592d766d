// Server-Sent Events over fetch: EventSource cannot send an Authorization header, and a
// token in a URL ends up in logs. Reconnects after a drop with Last-Event-ID, so the server
// sends the backlog missed meanwhile.
export interface StreamEvent {
  id?: string;
  event: string;
  data: string;
}

export interface StreamOptions {
  url: () => string;
  headers?: () => Record<string, string>;
  onEvent: (e: StreamEvent) => void;
  onState?: (live: boolean) => void;
  lastEventId?: string;
  /** Runs before each (re)connection, e.g. to fetch a single-use stream ticket. */
  before?: () => Promise<void>;
}

/** Opens the stream and keeps it open until the returned function is called. */
export function openEventStream(options: StreamOptions): () => void {
  const controller = new AbortController();
  let lastId = options.lastEventId;
  let delay = 1000;

  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        await options.before?.();
        const headers: Record<string, string> = { accept: 'text/event-stream', ...(options.headers?.() ?? {}) };
        if (lastId) headers['last-event-id'] = lastId;
        const res = await fetch(options.url(), { headers, signal: controller.signal, cache: 'no-store' });
        if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
        options.onState?.(true);
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const e: StreamEvent = { event: 'message', data: '' };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) e.id = line.slice(4);
              else if (line.startsWith('event: ')) e.event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (!data.length) continue;
            e.data = data.join('\n');
            if (e.id) lastId = e.id;
            options.onEvent(e);
          }
        }
      } catch {
        // Dropped or refused: wait and try again (the backlog comes with Last-Event-ID).
      }
      if (controller.signal.aborted) return;
      options.onState?.(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  };
  void run();
  return () => controller.abort();
}
