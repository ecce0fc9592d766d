// The staff console in a real browser (Chromium via playwright-core) against the whole app
// listening on a real port (built by the composition root; only the WhatsApp socket is the
// fake one): an admin logs in, finds and edits a contact, exports xlsx (the file parsed),
// erases it; the WhatsApp page shows the QR the socket gave; an attendant sees no admin
// pages. axe-core on every page; screenshots at 390 and 1280 px in test-artifacts/.
import ExcelJS from 'exceljs';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from './helpers/app.ts';
import { ensureWebBuilt, launchBrowser, screenshots, seriousViolations } from './helpers/browser.ts';
import { startWhatsappApp, type WhatsappApp } from './helpers/whatsapp-rig.ts';

let rig: WhatsappApp;
let url: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureWebBuilt();
  rig = await startWhatsappApp({ backend: 'pglite', env: { OLLAMA_HOST: 'http://127.0.0.1:9' } });
  url = await rig.t.atende.http.listen({ port: 0, host: '127.0.0.1' });
  const token = await rig.t.login();
  for (const contact of [
    { name: 'Joana Pereira', phone: '21 98888-7777', reason: 'orientação jurídica' },
    { name: 'Carlos Souza', phone: '31 97777-6666', reason: 'doação' },
  ]) {
    const res = await rig.t.atende.http.inject({ method: 'POST', url: '/contacts', headers: { authorization: `Bearer ${token}` }, payload: contact });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale: 'pt-BR' })).newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await rig?.t.close();
});

async function logIn(p: Page, email: string, password: string) {
  await p.goto(`${url}/`);
  await p.getByLabel('E-mail').fill(email);
  await p.getByLabel('Senha').fill(password);
  await p.getByRole('button', { name: 'Entrar' }).click();
  await p.getByRole('link', { name: 'Contatos' }).waitFor();
}

describe('staff console', () => {
  it('shows the login page when signed out; a wrong password is told in Portuguese', async () => {
    await page.goto(`${url}/`);
    await page.getByRole('button', { name: 'Entrar' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'console-login');
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Senha').fill('wrong-password-1');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('E-mail ou senha incorretos.');
  });

  it('an admin logs in, finds and edits a contact; the session survives a reload (cookie), not the token', async () => {
    await logIn(page, ADMIN.email, ADMIN.password);
    // The refresh token is in an httpOnly cookie the page cannot read; nothing in storage.
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'atende_refresh');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });

    await page.getByRole('link', { name: 'Contatos' }).click();
    await page.getByRole('button', { name: 'Carlos Souza' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'console-contacts');

    await page.getByRole('searchbox', { name: 'Buscar' }).fill('joana');
    await page.getByRole('button', { name: 'Filtrar' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Carlos Souza' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Joana Pereira' }).click();
    await page.getByRole('heading', { name: 'Joana Pereira' }).waitFor();
    expect(await page.getByText('(21) 98888-7777').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Editar' }).click();
    await page.getByLabel('Motivo').fill('orientação jurídica trabalhista');
    await page.getByRole('button', { name: 'Salvar' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Alterações salvas.');
    expect(await page.getByText('orientação jurídica trabalhista').isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'console-contact-detail');

    await page.reload();
    await page.getByRole('link', { name: 'Contatos' }).waitFor();
  });

  it('exports the filtered contacts as xlsx', async () => {
    await page.getByRole('link', { name: 'Contatos' }).click();
    await page.getByRole('searchbox', { name: 'Buscar' }).fill('joana');
    await page.getByRole('button', { name: 'Filtrar' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Carlos Souza' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Exportar' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'xlsx' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^contatos-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await readFile((await download.path())!)) as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows).toHaveLength(2); // header + Joana only: the export used the current filter
    expect(rows[1]).toContain('Joana Pereira');
    expect(rows[1]).toContain('orientação jurídica trabalhista');
  });

  it('erases a contact behind a confirmation dialog', async () => {
    await page.getByRole('button', { name: 'Joana Pereira' }).click();
    await page.getByRole('button', { name: 'Apagar (LGPD)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Apagar este contato?' });
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Apagar definitivamente' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Contato apagado.');
    const token = await rig.t.login();
    const list = await rig.t.atende.http.inject({ url: '/contacts?q=joana', headers: { authorization: `Bearer ${token}` } });
    expect(list.json().items).toEqual([]);
  });

  it('the WhatsApp page shows the QR the socket gives, then the connected status', async () => {
    await page.getByRole('link', { name: 'WhatsApp' }).click();
    const sock = await rig.sockets.socket(0);
    sock.showQr('2@Aq1W2e3R4t5Y6u7I8o9P0,abcdefghijklmnopqrstuvwxyz0123456789=,ABCDEFGHIJKLMNOPQRSTUVWXYZ=,0123456789abcdef=');
    const qr = page.getByRole('img', { name: 'QR code para conectar o WhatsApp' });
    await qr.waitFor({ timeout: 15_000 });
    expect(await qr.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'console-whatsapp');
  });

  it('Usuários and Auditoria pages for the admin', async () => {
    await page.getByRole('link', { name: 'Usuários' }).click();
    await page.getByRole('combobox', { name: `Papel de ${ADMIN.email}` }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'console-users');
    await page.getByRole('link', { name: 'Auditoria' }).click();
    await page.getByRole('cell', { name: 'contact.delete' }).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'console-audit');
  });

  it('an attendant sees no admin pages; logging out revokes the session', async () => {
    await rig.t.tokenFor('attendant', 'ana@test.local');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const p = await context.newPage();
    await logIn(p, 'ana@test.local', 'user-password-123');
    for (const admin of ['WhatsApp', 'Usuários', 'Auditoria']) expect(await p.getByRole('link', { name: admin }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Exportar' }).count()).toBe(0);
    const cookie = (await context.cookies()).find((c) => c.name === 'atende_refresh')!.value;
    await p.getByRole('button', { name: 'Sair' }).click();
    await p.getByRole('button', { name: 'Entrar' }).waitFor();
    const refresh = await rig.t.atende.http.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: cookie } });
    expect(refresh.statusCode).toBe(401);
    await context.close();
  });
});
