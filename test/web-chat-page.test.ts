// The public chat page and the widget in a real browser (Chromium via playwright-core)
// against the real server process: a visitor registers on /chat on a 390 px phone screen by
// typing and tapping the bot's quick replies — with the (fake) LLM, and with no LLM at all —,
// the conversation survives a reload, and the widget on a page of another origin opens /chat
// in an iframe and gets answers. axe-core on each page; screenshots in test-artifacts/.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, startAppProcess } from './helpers/app-process.ts';
import { ensureWebBuilt, launchBrowser, screenshots, seriousViolations } from './helpers/browser.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

const MARIA = { name: 'Maria Silva', phone: '11 99999-8888', email: null, reason: 'apoio emocional' };
const PRIVACY = 'https://ong.example.org/privacidade';

let browser: Browser;
let ollama: FakeOllama;
let app: AppProcess;
let site: Server;
let siteUrl: string;
let db: TestDatabase;

beforeAll(async () => {
  ensureWebBuilt();
  // The embedding site: another origin (localhost vs 127.0.0.1, another port).
  site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="pt-BR"><head><title>ONG Exemplo</title></head><body><main><h1>ONG Exemplo</h1><p>Bem-vindo.</p></main>
      <script src="${app.url}/widget.js" data-title="Ajuda da ONG" data-color="#7a1f5c" defer></script></body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
  ollama = await startFakeOllama({ models: ['llama3.1:8b'] });
  db = await createTestDatabase();
  // PostgreSQL: a child process on the embedded database starts too slowly on a busy 2-core
  // machine; the embedded mode's pages are driven by web-console.test.ts.
  app = await startAppProcess({ DATABASE_URL: db.url, OLLAMA_HOST: ollama.url, WEB_CHAT_ALLOWED_ORIGINS: siteUrl, PRIVACY_NOTICE_URL: PRIVACY }, 120_000);
  browser = await launchBrowser();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await ollama?.close();
  await db?.drop();
  await new Promise((resolve) => site?.close(resolve));
});

async function phone(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'pt-BR' });
  return context.newPage();
}

async function type(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Mensagem' }).fill(text);
  await page.getByRole('button', { name: 'Enviar' }).click();
}

const bot = (page: Page, text: string | RegExp) => page.getByText(text).last();

describe('chat page (/chat)', () => {
  it('a visitor registers on a phone with the LLM, tapping the quick replies; a reload keeps the conversation', { timeout: 120_000 }, async () => {
    ollama.fallback = behave.json(MARIA);
    const page = await phone();
    await page.goto(`${app.url}/chat`);
    expect(await page.getByRole('link', { name: 'Aviso de privacidade' }).getAttribute('href')).toBe(PRIVACY);

    await type(page, 'oi');
    await expect.poll(() => bot(page, /Você concorda\? Responda SIM ou NÃO\./).isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => page.getByText('enviada').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'chat-consent');

    // A reload continues the same conversation (session in sessionStorage, backlog over SSE).
    await page.reload();
    await expect.poll(() => bot(page, /Você concorda\?/).isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.getByText('oi', { exact: true }).count()).toBe(1);

    await page.getByRole('group', { name: 'Respostas rápidas' }).getByRole('button', { name: 'SIM' }).click();
    await expect.poll(() => bot(page, /Me envie seu nome completo/).isVisible(), { timeout: 15_000 }).toBe(true);
    // Free text is expected now: no chips.
    expect(await page.getByRole('group', { name: 'Respostas rápidas' }).count()).toBe(0);

    // The model takes its time: meanwhile the page says the bot is typing, in a polite live region.
    ollama.queue.push(behave.json(MARIA, 1_500));
    await type(page, 'Sou Maria Silva, 11 99999-8888, preciso de apoio emocional');
    await expect.poll(() => page.getByText('digitando…').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByText('digitando…').getAttribute('aria-live')).toBe('polite');
    await expect.poll(() => page.getByRole('button', { name: 'PULAR' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => page.getByText('digitando…').count()).toBe(0);
    await page.getByRole('button', { name: 'PULAR' }).click();
    await expect.poll(() => bot(page, /Confira seus dados:/).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await bot(page, /Confira seus dados:/).textContent()).toContain('• Telefone: (11) 99999-8888');
    await screenshots(page, 'chat-summary');
    await page.getByRole('button', { name: 'SIM' }).click();
    await expect.poll(() => bot(page, /Recebemos seu cadastro\. Protocolo: /).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(ollama.chatRequests().length).toBeGreaterThan(0);
    await page.context().close();
  });

  it('renders bot and visitor text as text, never as HTML', async () => {
    const page = await phone();
    await page.goto(`${app.url}/chat`);
    await type(page, '<img src=x onerror="document.title=1"><b>negrito</b>');
    await expect.poll(() => page.getByText('<b>negrito</b>', { exact: false }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('b').count()).toBe(0);
    expect(await page.title()).not.toBe('1');
    await page.context().close();
  });

  it('the widget on another site opens the chat in an iframe and gets answers', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(siteUrl);
    const launcher = page.getByRole('button', { name: 'Abrir conversa' });
    await launcher.click();
    const frame = page.getByTitle('Ajuda da ONG').contentFrame();
    await expect.poll(() => frame.getByRole('heading', { name: 'Ajuda da ONG' }).isVisible(), { timeout: 10_000 }).toBe(true);
    await frame.getByRole('textbox', { name: 'Mensagem' }).fill('olá');
    await frame.getByRole('button', { name: 'Enviar' }).click();
    await expect.poll(() => frame.getByText(/Sou o assistente de cadastro/).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'widget-open');
    // The launcher now closes it.
    await page.getByRole('button', { name: 'Fechar conversa' }).click();
    expect(await page.getByTitle('Ajuda da ONG').isVisible()).toBe(false);
    await context.close();
  });

  it('serves the pages with a strict CSP; /chat may be framed only by the allowed origins', async () => {
    const chat = await fetch(`${app.url}/chat`);
    const csp = chat.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`frame-ancestors 'self' ${siteUrl}`);
    const consolePage = await fetch(`${app.url}/`);
    expect(consolePage.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await consolePage.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });
});

describe('chat page with no LLM', () => {
  let noLlm: AppProcess;
  let noLlmDb: TestDatabase;
  beforeAll(async () => {
    noLlmDb = await createTestDatabase();
    noLlm = await startAppProcess({ DATABASE_URL: noLlmDb.url, OLLAMA_HOST: 'http://127.0.0.1:9' }, 120_000);
  }, 150_000);
  afterAll(async () => {
    await noLlm?.stop();
    await noLlmDb?.drop();
  });

  it('a visitor registers field by field', { timeout: 120_000 }, async () => {
    const page = await phone();
    await page.goto(`${noLlm.url}/chat`);
    await type(page, 'oi');
    await expect.poll(() => page.getByRole('button', { name: 'SIM' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await page.getByRole('button', { name: 'SIM' }).click();
    await expect.poll(() => bot(page, /Me envie seu nome completo/).isVisible(), { timeout: 15_000 }).toBe(true);
    // A message that is only a name is read without the model; the phone is asked next.
    await type(page, 'Maria Silva');
    await expect.poll(() => bot(page, /Qual é o seu telefone com DDD\?/).isVisible(), { timeout: 15_000 }).toBe(true);
    await type(page, '11 99999-8888');
    await expect.poll(() => bot(page, 'Qual é o motivo do seu contato?').isVisible(), { timeout: 15_000 }).toBe(true);
    await type(page, 'apoio emocional');
    await expect.poll(() => page.getByRole('button', { name: 'PULAR' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await page.getByRole('button', { name: 'PULAR' }).click();
    await expect.poll(() => bot(page, /Confira seus dados:/).isVisible(), { timeout: 15_000 }).toBe(true);
    await page.getByRole('button', { name: 'SIM' }).click();
    await expect.poll(() => bot(page, /Recebemos seu cadastro\. Protocolo: /).isVisible(), { timeout: 15_000 }).toBe(true);
    await screenshots(page, 'chat-saved-no-llm');
    await page.context().close();
  });
});
