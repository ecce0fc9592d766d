// The parts of Meta's `messages` webhook we read, as zod schemas. Lenient on purpose: unknown
// fields are dropped (Meta adds fields often — BSUIDs in 2026, identity_key_hash…), and each
// entry, change, message and status is parsed on its own, so one odd item never costs the
// rest of a batch. https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
import { z } from 'zod';

// Meta sends unix seconds as strings; some relays turn them into numbers.
const unixSeconds = z.union([z.string(), z.number()]);

export const envelopeSchema = z.object({
  object: z.string(),
  entry: z.array(z.unknown()),
});

export const entrySchema = z.object({
  id: z.string().optional(),
  changes: z.array(z.unknown()),
});

export const changeSchema = z.object({
  field: z.string(),
  value: z.unknown(),
});

export const contactSchema = z.object({
  /** The user's phone as international digits; may be absent for users with a username. */
  wa_id: z.string().optional(),
  /** Business-scoped user id (BSUID, e.g. "BR.13491208655302741918"), since 2026. */
  user_id: z.string().optional(),
  profile: z.object({ name: z.string().optional() }).optional(),
});

export const valueSchema = z.object({
  metadata: z.object({ phone_number_id: z.string().min(1), display_phone_number: z.string().optional() }),
  // A malformed contacts list only costs the display names, not the messages.
  contacts: z.array(z.unknown()).optional().catch(undefined),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

const reply = z.object({ id: z.string().optional(), title: z.string() });

export const messageSchema = z.object({
  id: z.string().min(1),
  from: z.string().optional(),
  from_user_id: z.string().optional(),
  timestamp: unixSeconds.optional(),
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  interactive: z
    .object({ type: z.string(), button_reply: reply.optional(), list_reply: reply.optional() })
    .optional()
    .catch(undefined),
  // Voice notes (`voice: true`) and audio files: a media id to fetch through GET /{media-id}.
  audio: z.object({ id: z.string().min(1).max(300), mime_type: z.string().max(100).optional() }).optional().catch(undefined),
  // Shared contact cards: https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples#contacts-messages
  contacts: z
    .array(z.looseObject({ name: z.looseObject({ formatted_name: z.string().max(500).optional() }).optional(), phones: z.array(z.looseObject({ phone: z.string().max(64).optional(), wa_id: z.string().max(20).optional() })).max(20).optional() }))
    .max(20)
    .optional()
    .catch(undefined),
  // Quick-reply button of a template message.
  button: z.object({ text: z.string(), payload: z.string().optional() }).optional().catch(undefined),
});

export const statusSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: unixSeconds.optional(),
  errors: z
    .array(z.object({ code: z.union([z.number(), z.string()]).optional(), title: z.string().optional() }))
    .optional()
    .catch(undefined),
});

export type WebhookContact = z.infer<typeof contactSchema>;
export type WebhookMessage = z.infer<typeof messageSchema>;
export type WebhookStatus = z.infer<typeof statusSchema>;
