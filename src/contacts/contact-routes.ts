// The contacts admin API (SPEC §8): HTTP in, ContactService out. Who may call what:
// any staff member lists, reads, creates and corrects contacts; only admins erase them or
// export a contact's data (LGPD), since those act on the person's rights.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf } from '../audit/audit-log.ts';
import { currentUser } from '../http/auth-guard.ts';
import { fastSerializerCompiler } from '../http/fast-serializer.ts';
import {
  contactDtoSchema,
  contactIdParamsSchema,
  contactPageSchema,
  createContactBodySchema,
  explicitContactSchema,
  listContactsQuerySchema,
  patchContactBodySchema,
  portabilityDocumentSchema,
} from './contact-schemas.ts';
import type { ContactService } from './contact-service.ts';
import type { ContactInput } from './contact-input.ts';
import { REQUIRED_FIELDS } from './fields.ts';
import { resolveFreeTextContact } from '../extraction/free-text-contact.ts';
import type { Extractor } from '../extraction/mcp-extractor.ts';
import { ValidationError } from '../domain/errors.ts';

export interface ContactRoutesDeps {
  contacts: ContactService;
  extractor: Extractor;
}

type CreateBody = z.output<typeof createContactBodySchema>;

/** Explicit fields of a create request, or — with `text` — the fields extraction completes. */
async function contactInputOf(body: CreateBody, extractor: Extractor): Promise<ContactInput> {
  const { text, ...fields } = body;
  const explicit = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<ContactInput>;
  if (text !== undefined) return resolveFreeTextContact(extractor, { text, explicit });
  const missing = REQUIRED_FIELDS.filter((f) => explicit[f] === undefined);
  if (missing.length) {
    throw new ValidationError(
      `send ${missing.join(', ')} (or free text in "text")`,
      missing.map((field) => ({ field, code: 'required', message: `${field} is required` })),
    );
  }
  return explicit as ContactInput;
}

const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional(), code: z.string() }).loose();

export const contactRoutes: FastifyPluginAsyncZod<ContactRoutesDeps> = async (app, { contacts, extractor }) => {
  app.get(
    '/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'List contacts, newest first, with filters and keyset pagination',
        querystring: listContactsQuerySchema,
        response: { 200: contactPageSchema, 400: problem },
      },
      // The hottest read: its pages are written from the schema without re-validating each row.
      serializerCompiler: fastSerializerCompiler,
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      return contacts.list(filters, { limit, cursor }, auditContextOf(request));
    },
  );

  app.get(
    '/contacts/:id',
    {
      schema: { tags: ['contacts'], summary: 'Get one contact', params: contactIdParamsSchema, response: { 200: contactDtoSchema, 404: problem } },
    },
    async (request) => contacts.get(request.params.id, auditContextOf(request)),
  );

  app.post(
    '/contacts',
    {
      config: { roles: ['admin', 'attendant'] },
      schema: {
        tags: ['contacts'],
        summary: 'Create a contact from explicit fields or free text',
        description:
          'The phone is normalized to E.164 (region BR by default). A phone already registered answers 409 with existingContactId. ' +
          'With `text`, the contact is extracted by the LLM (explicit fields win): incomplete → 422 incomplete-contact listing what is missing; ' +
          'extraction unavailable → 422 llm-unavailable asking for explicit fields.',
        body: createContactBodySchema,
        response: { 201: contactDtoSchema, 400: problem, 409: problem, 422: problem },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const input = await contactInputOf(request.body, extractor);
      const created = await contacts.create(input, { channel: 'api', mode: 'api', createdBy: user.id }, auditContextOf(request));
      return reply.code(201).header('location', `/contacts/${created.id}`).send(created);
    },
  );

  app.post(
    '/contacts/preview',
    {
      config: { roles: ['admin', 'attendant'] },
      schema: {
        tags: ['contacts'],
        summary: 'What POST /contacts {text} would save, without saving it (the console shows it for review first)',
        body: z.object({ text: z.string().min(1).max(5000) }),
        response: { 200: z.object({ fields: explicitContactSchema }), 400: problem, 422: problem },
      },
    },
    async (request) => {
      const input = await resolveFreeTextContact(extractor, { text: request.body.text, explicit: {} });
      return { fields: { name: input.name, phone: input.phone, email: input.email ?? null, reason: input.reason } };
    },
  );

  app.patch(
    '/contacts/:id',
    {
      config: { roles: ['admin', 'attendant'] },
      schema: {
        tags: ['contacts'],
        summary: 'Correct some fields of a contact',
        params: contactIdParamsSchema,
        body: patchContactBodySchema,
        response: { 200: contactDtoSchema, 400: problem, 404: problem, 409: problem },
      },
    },
    async (request) => contacts.update(request.params.id, request.body, auditContextOf(request)),
  );

  app.delete(
    '/contacts/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['contacts'],
        summary: 'Erase a contact (LGPD): the record is deleted, not hidden',
        params: contactIdParamsSchema,
        response: { 204: z.null(), 404: problem },
      },
    },
    async (request, reply) => {
      await contacts.delete(request.params.id, auditContextOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/contacts/:id/data',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['contacts'],
        summary: 'LGPD portability: every personal datum held about a contact, as a JSON file',
        params: contactIdParamsSchema,
        response: { 200: portabilityDocumentSchema, 404: problem },
      },
    },
    async (request, reply) => {
      const document = await contacts.exportData(request.params.id, auditContextOf(request));
      return reply.header('content-disposition', `attachment; filename="contato-${document.contactId}-dados.json"`).send(document);
    },
  );
};
