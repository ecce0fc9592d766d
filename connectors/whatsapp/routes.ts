// Admin endpoints of the WhatsApp channel: the QR or a pairing code to link the number, and
// the socket state.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import { normalizePhone } from '../../src/contacts/fields.ts';
import { DomainError, ValidationError } from '../../src/domain/errors.ts';
import { CONNECTION_STATES } from './metrics.ts';

const adminOnly = { roles: ['admin' as const] };

export interface WhatsappStatusView {
  state: (typeof CONNECTION_STATES)[number];
  since: string;
  session: string;
  me?: string;
  lastDisconnect?: { reason: string; code?: number; at: string };
  reconnectAttempt: number;
  /** local: this process holds the socket (or no replica does); lease-holder: relayed from the replica that does. */
  source: 'local' | 'lease-holder';
}

export interface WhatsappRoutesDeps {
  qr(): Promise<string | undefined>;
  status(): Promise<WhatsappStatusView>;
  /** A pairing code for the bot's number (international digits); throws DomainErrors (409 connected, 503 not ready). */
  pairingCode(phoneDigits: string): Promise<string>;
}

const statusSchema = z.object({
  state: z.enum(CONNECTION_STATES).describe('standby: another replica holds the socket; qr: waiting for a scan'),
  since: z.iso.datetime(),
  session: z.string(),
  me: z.string().optional().describe('the linked number, masked'),
  lastDisconnect: z.object({ reason: z.string(), code: z.number().optional(), at: z.iso.datetime() }).optional(),
  reconnectAttempt: z.number().int(),
  source: z.enum(['local', 'lease-holder']).describe('lease-holder: relayed from the replica that holds the socket'),
});

export function whatsappRoutes(deps: WhatsappRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/channels/whatsapp/qr',
      { config: adminOnly, schema: { tags: ['channels'], summary: 'QR code to link the WhatsApp number (PNG)', produces: ['image/png'] } },
      async (_request, reply) => {
        const qr = await deps.qr();
        if (!qr) {
          const { state } = await deps.status();
          throw new DomainError('not-found', 'no-qr', 'No QR code', `there is no QR code to scan right now (state: ${state})`, { state });
        }
        const png = await QRCode.toBuffer(qr, { type: 'png', width: 320, margin: 2 });
        // A QR lives ~20 s and links whoever scans it: never cache it anywhere.
        return reply.type('image/png').header('cache-control', 'no-store').send(png);
      },
    );
    app.post(
      '/channels/whatsapp/pairing-code',
      {
        config: adminOnly,
        schema: {
          tags: ['channels'],
          summary: 'Pairing code to link the WhatsApp number (instead of the QR)',
          description:
            'Asks WhatsApp for an 8-character code for the bot\'s number. On the bot\'s phone: WhatsApp → Linked devices → Link a device → ' +
            '"Link with phone number instead", then type the code. Works while the socket waits to be linked (status `qr`): ' +
            '409 `already-connected` when a number is linked, 503 `not-ready` (with Retry-After) while the socket is still connecting, ' +
            '503 `not-lease-holder` on a replica that does not hold the socket.',
          body: z.object({
            phone: z.string().max(40).describe('the bot\'s own number with country code and area code: +55 11 99999-8888, 5511999998888; without a country code it is read as Brazilian (11 99999-8888)'),
          }),
          response: { 200: z.object({ code: z.string().describe('the code to type on the phone, e.g. ABCD1234 (WhatsApp shows it as ABCD-1234)') }) },
        },
      },
      async (request, reply) => {
        const phone = normalizePhone(request.body.phone);
        if (!phone.ok) throw ValidationError.field('phone', phone.message, phone.code);
        const code = await deps.pairingCode(phone.value.slice(1));
        // Like the QR, the code links whoever types it on that phone: never cached.
        return reply.header('cache-control', 'no-store').send({ code });
      },
    );
    app.get(
      '/channels/whatsapp/status',
      { config: adminOnly, schema: { tags: ['channels'], summary: 'WhatsApp socket state', response: { 200: statusSchema } } },
      async () => deps.status(),
    );
  };
}
