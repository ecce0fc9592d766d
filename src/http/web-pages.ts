// The pages (issue 13), served by the same process in every mode: / (staff console), /chat
// (public chat), /widget.js (the launcher other sites embed) and their /assets. Built by
// `npm run build:web` into web/dist and read into memory once: a few tens of KB.
// Strict CSP: only files of this origin, no inline script or style, no CDN, no fonts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DomainError, UnavailableError } from '../domain/errors.ts';

export interface WebPagesOptions {
  /** The built pages (web/dist). */
  dir: string;
  /** Origins that may frame /chat (WEB_CHAT_ALLOWED_ORIGINS). */
  chatFrameOrigins: string[];
  privacyNoticeUrl?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** CSP of the pages: blob: images for the QR fetched with the token. */
export function pageCsp(frameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

const escapeAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function readTree(dir: string, base = dir, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== '.vite') readTree(full, base, out);
    } else out.set(`/${path.relative(base, full).split(path.sep).join('/')}`, readFileSync(full));
  }
  return out;
}

export const webPages: FastifyPluginAsyncZod<WebPagesOptions> = async (app, options) => {
  const files = existsSync(path.join(options.dir, 'index.html')) ? readTree(options.dir) : undefined;
  const common = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'strict-transport-security': 'max-age=31536000; includeSubDomains' };
  const consoleHeaders = { ...common, 'content-security-policy': pageCsp("'none'"), 'x-frame-options': 'DENY', 'cache-control': 'no-cache' };
  const chatHeaders = { ...common, 'content-security-policy': pageCsp(["'self'", ...options.chatFrameOrigins].join(' ')), 'cache-control': 'no-cache' };
  // The chat page learns the privacy notice link from a meta tag (no inline script allowed).
  const chatHtml = files?.get('/chat.html')?.toString('utf8').replace('<meta name="atende-privacy-notice" content="" />', `<meta name="atende-privacy-notice" content="${escapeAttr(options.privacyNoticeUrl ?? '')}" />`);

  const file = (name: string) => {
    const body = files?.get(name);
    if (!files) throw new UnavailableError('the web pages are not built on this server: run `npm run build:web`', undefined, 'web-not-built', 'Web pages not built');
    if (!body) throw new DomainError('not-found', 'not-found', 'Not found', `no page ${name}`);
    return body;
  };
  const page = { config: { public: true }, schema: { hide: true } } as const;

  app.get('/', page, async (_request, reply) => reply.headers(consoleHeaders).type(TYPES['.html']!).send(file('/index.html')));
  app.get('/chat', page, async (_request, reply) => {
    file('/chat.html');
    return reply.headers(chatHeaders).type(TYPES['.html']!).send(chatHtml);
  });
  // Loaded by <script src> on other sites: cross-origin by design, so no CORP same-origin.
  app.get('/widget.js', page, async (_request, reply) =>
    reply
      .headers({ ...common, 'content-security-policy': "default-src 'none'", 'cross-origin-resource-policy': 'cross-origin', 'cache-control': 'public, max-age=300' })
      .type(TYPES['.js']!)
      .send(file('/widget.js')),
  );
  app.get('/assets/*', page, async (request, reply) => {
    const name = `/assets/${(request.params as { '*': string })['*']}`;
    const body = file(name);
    // Hashed names: a changed file has a new name, so caching for a year is safe.
    return reply
      .headers({ ...common, 'content-security-policy': "default-src 'none'", 'cache-control': 'public, max-age=31536000, immutable' })
      .type(TYPES[path.extname(name)] ?? 'application/octet-stream')
      .send(body);
  });
};
