// The embeddable launcher: <script src="https://atende.example/widget.js" data-title="…"
// data-color="#0b5cad" defer></script> adds a button that opens /chat in an iframe. Built as
// one file with no imports (it runs on other people's pages); styles are set through the DOM,
// which a page's CSP allows where inline <style> may not be.
(() => {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script) return;
  const origin = new URL(script.src).origin;
  const title = script.dataset.title || 'Fale com a gente';
  const color = /^#[0-9a-f]{3,8}$/i.test(script.dataset.color ?? '') ? script.dataset.color! : '#0b5cad';

  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = '💬';
  button.setAttribute('aria-label', 'Abrir conversa');
  button.setAttribute('aria-expanded', 'false');
  Object.assign(button.style, {
    position: 'fixed', right: '16px', bottom: '16px', width: '56px', height: '56px', borderRadius: '50%', border: 'none',
    background: color, color: '#fff', fontSize: '26px', cursor: 'pointer', boxShadow: '0 2px 8px rgba(0,0,0,.3)', zIndex: '2147483646',
  });

  let frame: HTMLIFrameElement | undefined;
  button.addEventListener('click', () => {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.src = `${origin}/chat?title=${encodeURIComponent(title)}`;
      frame.title = title;
      Object.assign(frame.style, {
        position: 'fixed', right: '16px', bottom: '84px', width: 'min(380px, calc(100vw - 32px))', height: 'min(600px, calc(100vh - 110px))',
        border: '1px solid #d1d5db', borderRadius: '12px', background: '#fff', boxShadow: '0 4px 16px rgba(0,0,0,.25)', zIndex: '2147483647',
      });
      document.body.append(frame);
    } else frame.hidden = !frame.hidden;
    const open = !frame.hidden;
    button.setAttribute('aria-expanded', String(open));
    button.setAttribute('aria-label', open ? 'Fechar conversa' : 'Abrir conversa');
  });
  document.body.append(button);
})();
