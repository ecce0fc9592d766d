// Admin endpoints of the WhatsApp channel: the QR to link the number, and the socket state.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import { DomainError } from '../../src/domain/errors.ts';
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
    app.get(
      '/channels/whatsapp/status',
      { config: adminOnly, schema: { tags: ['channels'], summary: 'WhatsApp socket state', response: { 200: statusSchema } } },
      async () => deps.status(),
    );
  };
}
