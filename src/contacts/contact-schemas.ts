// The shapes of the contacts API, as zod schemas: they validate requests, serialize
// responses and are what /docs shows. ContactDto is also what the MCP tools and the bot get.
import { z } from 'zod';
import { contactFiltersSchema } from './contact-filters.ts';
import { contactProvenanceSchema } from './provenance.ts';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

export const CONTACT_MODES = ['api', 'contact', 'attendant'] as const;
export type ContactMode = (typeof CONTACT_MODES)[number];

const isoDateTime = z.iso.datetime({ offset: true });

export const contactDtoSchema = z
  .object({
    id: z.uuid(),
    protocol: z.string().describe('the code told to the person in the chat ("Protocolo"); random, unrelated to the id'),
    name: z.string(),
    phone: z.string().describe('E.164, e.g. +5511999998888'),
    email: z.string().nullable(),
    reason: z.string().describe('why the person got in touch ("motivo")'),
    source: z.object({ channel: z.string().describe('web, whatsapp, telegram, api…'), chatId: z.string().nullable() }),
    createdBy: z.string().describe('"bot", or the id of the user who registered the contact'),
    mode: z.enum(CONTACT_MODES).describe('contact: self-registered in a chat; attendant: by staff in a chat; api: through this API'),
    consentAt: isoDateTime.nullable().describe('when the person gave LGPD consent in the chat'),
    sync: z.object({
      status: z.enum(['pending', 'synced', 'failed', 'disabled']),
      error: z.string().nullable(),
      syncedAt: isoDateTime.nullable(),
    }),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    provenance: contactProvenanceSchema.nullable(),
  })
  .describe('Contact');

export type ContactDto = z.infer<typeof contactDtoSchema>;

// Loose upper bounds that only protect the server; the exact limits (and messages naming
// the field) come from fields.ts after white space is normalized.
const text = (max: number) => z.string().max(max);

/** A contact given field by field (MCP create_contact, and the REST body without text). */
export const explicitContactSchema = z.object({
  name: text(400).describe('full name'),
  phone: text(40).describe('any common format; without a country code it is read as Brazilian (11 99999-8888)'),
  email: text(320).nullish().describe('optional'),
  reason: text(2000).describe('why the person got in touch ("motivo")'),
});

// Either explicit fields (name, phone and reason required) or free `text` for extraction,
// with any explicit fields winning over what the text says. The handler enforces which
// fields are required when no text is sent, naming each missing one.
export const createContactBodySchema = explicitContactSchema.partial({ name: true, phone: true, reason: true }).extend({
  text: z.string().max(5000).optional().describe('free text to extract the contact from (LLM); explicit fields win'),
});

export const patchContactBodySchema = z
  .object({
    name: text(400),
    phone: text(40),
    email: text(320).nullable().describe('null removes the e-mail'),
    reason: text(2000),
  })
  .partial()
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), { error: 'send at least one of name, phone, email, reason' });

export const listContactsQuerySchema = contactFiltersSchema.extend({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe(`page size, at most ${MAX_PAGE_SIZE}`),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

export const contactPageSchema = z.object({
  items: z.array(contactDtoSchema),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
});

export const contactIdParamsSchema = z.object({ id: z.uuid() });

export const portabilityDocumentSchema = z
  .object({
    document: z.literal('atende.contact-data'),
    version: z.literal(1),
    generatedAt: isoDateTime,
    contactId: z.uuid(),
    personalData: z.object({ name: z.string(), phone: z.string(), email: z.string().nullable(), reason: z.string() }),
    provenance: contactProvenanceSchema.nullable(),
    collection: z.object({
      collectedAt: isoDateTime,
      channel: z.string(),
      chatId: z.string().nullable(),
      mode: z.enum(CONTACT_MODES),
      collectedBy: z.string().describe('"bot", or the id of the staff member'),
      consent: z.object({ given: z.boolean(), at: isoDateTime.nullable() }),
    }),
    lastUpdatedAt: isoDateTime,
    sharing: z.object({
      sync: z.object({ status: z.string(), error: z.string().nullable(), syncedAt: isoDateTime.nullable() }),
    }),
    updateRequests: z
      .array(
        z.object({
          protocol: z.string(),
          proposed: z.object({ name: z.string(), phone: z.string(), email: z.string().nullable(), reason: z.string() }),
          channel: z.string(),
          status: z.string(),
          createdAt: isoDateTime,
          decidedAt: isoDateTime.nullable(),
        }),
      )
      .describe('changes proposed in a chat with this phone, kept for staff to approve or reject'),
    accessLog: z
      .array(z.object({ at: isoDateTime, action: z.string(), actorId: z.string().nullable(), actorRole: z.string().nullable() }))
      .describe('every recorded access to or change of this contact, oldest first'),
    conversations: z
      .array(
        z.object({
          id: z.uuid(),
          channel: z.string(),
          status: z.string(),
          startedAt: isoDateTime,
          closedAt: isoDateTime.nullable(),
          messages: z.array(z.object({ direction: z.enum(['inbound', 'outbound']), at: isoDateTime, text: z.string() })),
        }),
      )
      .describe('the chats with this person (their phone or e-mail), with every message still kept, oldest first; texts are purged after CONVERSATION_RETENTION_DAYS'),
  })
  .describe('LGPD portability document (art. 18, V): every personal datum held about a contact');

export type PortabilityDocument = z.infer<typeof portabilityDocumentSchema>;
