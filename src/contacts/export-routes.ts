// GET /contacts/export: every contact GET /contacts would list with the same filters, as one
// downloadable file (xlsx, csv or json), streamed while it is read. Admins only: it is the
// bulk exit of personal data.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf } from '../audit/audit-log.ts';
import { contactFiltersSchema } from './contact-filters.ts';
import { type ContactExporter, EXPORT_FORMATS } from './export/contact-exporter.ts';

export interface ExportRoutesDeps {
  exporter: ContactExporter;
}

export const exportQuerySchema = contactFiltersSchema.extend({
  format: z.enum(EXPORT_FORMATS).default('xlsx').describe('xlsx (Excel), csv or json'),
  sep: z.enum([';', ',']).default(';').describe('csv field separator: ";" (default, what pt-BR Excel expects) or ","'),
});

const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional(), code: z.string() }).loose();

const DESCRIPTION = [
  'Streams every contact matching the filters, newest first (the order of GET /contacts), as a file',
  'named contatos-<today in São Paulo>.<format>.',
  '- xlsx: header in Portuguese, frozen; dates as date cells shown dd/mm/aaaa hh:mm in America/Sao_Paulo.',
  '- csv: UTF-8 with BOM, ";" separator (sep="," for a comma), CRLF, RFC 4180 quoting; dates dd/mm/aaaa HH:mm (São Paulo).',
  '- json: an array of contacts shaped like GET /contacts items; dates ISO 8601 in UTC.',
  'In xlsx and csv a text cell starting with = + - @ (or tab/CR) is prefixed with \' so spreadsheets never run it;',
  'E.164 phones ("+5511…") are left as they are. Each export is recorded in the audit log.',
].join('\n');

export const exportRoutes: FastifyPluginAsyncZod<ExportRoutesDeps> = async (app, { exporter }) => {

  app.get(
    '/contacts/export',
    {
      config: { roles: ['admin'] },
      // A HEAD would start (and at once abandon) a whole export.
      exposeHeadRoute: false,
      schema: {
        tags: ['contacts'],
        summary: 'Export contacts as xlsx, csv or json (streamed)',
        description: DESCRIPTION,
        querystring: exportQuerySchema,
        response: { 200: z.any().describe('the file (xlsx, csv or json)'), 400: problem, 403: problem, 503: problem },
      },
    },
    async (request, reply) => {
      const { format, sep, ...filters } = request.query;
      const file = exporter.start({ format, filters, separator: sep }, auditContextOf(request));
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .header('cache-control', 'no-store')
        .send(file.stream);
    },
  );
};
