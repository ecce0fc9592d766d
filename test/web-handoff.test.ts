// The Conversas page in a real browser (Chromium via playwright-core) against the real server
// process on PostgreSQL: a visitor on /chat asks for an attendant; an attendant logged into the
// console sees the handoff appear live (no reload), claims it and replies; the visitor sees the
// reply, the visitor's answer shows live in the attendant's timeline, and after "Devolver ao
// robô" the bot speaks again. axe-core on the page; screenshots at 390 and 1280 px.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../fsm/catalog.ts';
import { type AppProcess, startAppProcess } from './helpers/app-process.ts';
import { ensureWebBuilt, launchBrowser, screenshots, seriousViolations } from './helpers/browser.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

const ADMIN = { email: 'admin@test.local', password: 'admin-password-123' };
const ATTENDANT = { email: 'ana@test.local', password: 'attendant-password-123', name: 'Ana Atendente' };
const OTHER = { email: 'bia@test.local', password: 'attendant-password-456', name: 'Bia Atendente' };

let browser: Browser;
let app: AppProcess;
let db: TestDatabase;

beforeAll(async () => {
  ensureWebBuilt();
  db = await createTestDatabase();
  // No LLM: the bot asks field by field, so the visitor's name is known before the handoff.
  app = await startAppProcess({ DATABASE_URL: db.url, OLLAMA_HOST: 'http://127.0.0.1:9', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, 120_000);
  const login = await fetch(`${app.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const { accessToken } = (await login.json()) as { accessToken: string };
  for (const user of [ATTENDANT, OTHER]) {
    const created = await fetch(`${app.url}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...user, role: 'attendant' }),
    });
    if (created.status !== 201) throw new Error(`creating an attendant: ${created.status} ${await created.text()}`);
  }
  browser = await launchBrowser();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await db?.drop();
});

async function say(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Mensagem' }).fill(text);
  await page.getByRole('button', { name: 'Enviar' }).click();
}

const sees = (page: Page, text: string | RegExp) => page.getByText(text).last().isVisible();

async function openConsole(as: { email: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pt-BR' })).newPage();
  await page.goto(`${app.url}/`);
  await page.getByLabel('E-mail').fill(as.email);
  await page.getByLabel('Senha').fill(as.password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('link', { name: 'Conversas' }).click();
  await expect.poll(() => page.getByText('Atualizado ao vivo').isVisible(), { timeout: 15_000 }).toBe(true);
  return page;
}

describe('Conversas page (handoff inbox)', () => {
  it('an attendant sees a handoff live, claims it, replies, reads the answer live and hands back to the bot', { timeout: 150_000 }, async () => {
    const staff = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'pt-BR' })).newPage();
    const urls: string[] = [];
    staff.on('request', (r) => urls.push(r.url()));
    await staff.goto(`${app.url}/`);
    await staff.getByLabel('E-mail').fill(ATTENDANT.email);
    await staff.getByLabel('Senha').fill(ATTENDANT.password);
    await staff.getByRole('button', { name: 'Entrar' }).click();
    await staff.getByRole('link', { name: 'Conversas' }).click();
    await expect.poll(() => staff.getByText('Atualizado ao vivo').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => staff.getByText('Ninguém aguardando atendimento.').isVisible()).toBe(true);

    const visitor = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'pt-BR' })).newPage();
    await visitor.goto(`${app.url}/chat`);
    await say(visitor, 'oi');
    await expect.poll(() => sees(visitor, /Você concorda\?/), { timeout: 15_000 }).toBe(true);
    await say(visitor, 'sim');
    await expect.poll(() => sees(visitor, /nome completo/), { timeout: 15_000 }).toBe(true);
    await say(visitor, 'Maria Silva');
    await expect.poll(() => visitor.getByText('Maria Silva', { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => sees(visitor, /Qual é o seu telefone com DDD\?/), { timeout: 15_000 }).toBe(true);
    await say(visitor, 'atendente');
    await expect.poll(() => sees(visitor, catalog.handoff()), { timeout: 15_000 }).toBe(true);

    // Live: the entry appears with the person's name, without a reload.
    const entry = staff.getByRole('list', { name: 'Fila de atendimento' }).getByRole('button', { name: 'Maria Silva' });
    await expect.poll(() => entry.isVisible(), { timeout: 15_000 }).toBe(true);
    await entry.click();
    await staff.getByRole('button', { name: 'Assumir' }).click();
    await expect.poll(() => staff.getByRole('list', { name: 'Fila de atendimento' }).getByText('com você').isVisible(), { timeout: 10_000 }).toBe(true);

    // Another attendant sees who holds it, and may only look.
    const bia = await openConsole(OTHER);
    await bia.getByRole('list', { name: 'Fila de atendimento' }).getByRole('button', { name: 'Maria Silva' }).click();
    await expect.poll(() => bia.getByText(`com ${ATTENDANT.name}`).first().isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await bia.getByRole('button', { name: 'Assumir' }).count()).toBe(0);
    expect(await bia.getByRole('textbox', { name: 'Responder' }).count()).toBe(0);
    await bia.context().close();

    await staff.getByRole('textbox', { name: 'Responder' }).fill('Oi Maria, aqui é a Ana. Como posso ajudar?');
    await staff.getByRole('button', { name: 'Enviar' }).click();
    await expect.poll(() => sees(visitor, 'Oi Maria, aqui é a Ana. Como posso ajudar?'), { timeout: 15_000 }).toBe(true);
    expect(await staff.getByRole('textbox', { name: 'Responder' }).inputValue()).toBe('');

    // The visitor's answer reaches the attendant's timeline live.
    await say(visitor, 'Preciso de orientação sobre meu caso');
    const timeline = staff.getByRole('list', { name: 'Conversa com Maria Silva' });
    await expect.poll(() => timeline.getByText('Preciso de orientação sobre meu caso').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await timeline.getByText('Oi Maria, aqui é a Ana. Como posso ajudar?').isVisible()).toBe(true);
    expect(await seriousViolations(staff)).toEqual([]);
    await screenshots(staff, 'console-conversations');

    // Hand back: the queue empties and the bot speaks to the visitor again.
    await staff.getByRole('button', { name: 'Devolver ao robô' }).click();
    await expect.poll(() => staff.getByText('Ninguém aguardando atendimento.').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => sees(visitor, catalog.resumed()), { timeout: 15_000 }).toBe(true);
    // It continues where it stopped: the phone question comes again, and an answer moves on.
    await expect.poll(() => visitor.getByText(/Qual é o seu telefone com DDD\?/).count(), { timeout: 15_000 }).toBe(2);

    // All conversations, filtered: the visitor's is active again, none waits.
    const all = staff.getByRole('list', { name: 'Todas as conversas' });
    await staff.getByLabel('Situação').selectOption({ label: 'Aguardando atendimento' });
    await staff.getByRole('button', { name: 'Filtrar' }).click();
    await expect.poll(() => staff.getByText('Nenhuma conversa encontrada.').isVisible()).toBe(true);
    await staff.getByLabel('Situação').selectOption({ label: 'Em andamento' });
    await staff.getByLabel('Canal').selectOption('web');
    await staff.getByRole('button', { name: 'Filtrar' }).click();
    await expect.poll(() => all.getByRole('listitem').count()).toBe(1);
    await all.getByRole('button').click();
    await expect.poll(() => staff.getByRole('heading', { name: /^Conversa com/ }).isVisible()).toBe(true);
    // Not in a handoff: nothing to claim or answer.
    expect(await staff.getByRole('button', { name: 'Assumir' }).count()).toBe(0);
    expect(await staff.getByRole('textbox', { name: 'Responder' }).count()).toBe(0);
    expect(await seriousViolations(staff)).toEqual([]);

    // The stream was opened with a single-use ticket: no access token in any URL.
    expect(urls.some((u) => /\/conversations\/events\?ticket=/.test(u))).toBe(true);
    for (const u of urls) expect(u).not.toMatch(/token=|access_token|eyJ/);
    await staff.context().close();
    await visitor.context().close();
  });
});
