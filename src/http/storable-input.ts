// One guard for every API string: a body field, query parameter or path parameter carrying
// what PostgreSQL text cannot hold (NUL, lone surrogates) is a 400 naming it, before any
// schema or handler sees it — rather than a 500 from the database (issue 10). It runs as a
// preValidation hook, so it covers routes added later without each schema opting in.
//
// Chat entries opt out (`config: { chatInbound: true }`: provider webhooks, web chat posts):
// refusing a webhook would make the provider redeliver it for days, and a person's message
// is better kept minus a stray character than bounced; the intake cleans their text instead
// (src/intake/inbound-validation.ts), for every connector alike.
import type { FastifyInstance } from 'fastify';
import { isStorableText } from '../util/storable-text.ts';
import { ValidationError } from '../domain/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A chat message bound for the intake, which cleans its text (not refused here). */
    chatInbound?: boolean;
  }
}

const MAX_DEPTH = 32;

/** The path ("email", "identities.0.address") of the first unstorable string or key, if any. */
function firstUnstorable(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || Buffer.isBuffer(value)) return undefined;
  for (const [key, v] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (!isStorableText(key)) return path || 'body';
    const found = firstUnstorable(v, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function registerStorableInputGuard(app: FastifyInstance) {
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.routeOptions.config?.chatInbound) return done();
    const field = firstUnstorable(request.params, '') ?? firstUnstorable(request.query, '') ?? firstUnstorable(request.body, '');
    if (field === undefined) return done();
    done(ValidationError.field(field || 'body', 'contains characters that cannot be stored (NUL or an unpaired surrogate)', 'unstorable_text'));
  });
}
