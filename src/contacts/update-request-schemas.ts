// The shapes of the update-request API (zod): they validate requests, serialize responses and
// are what /docs shows.
import { z } from 'zod';

export const UPDATE_REQUEST_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type UpdateRequestStatus = (typeof UPDATE_REQUEST_STATUSES)[number];

const isoDateTime = z.iso.datetime({ offset: true });

export const updateRequestDtoSchema = z
  .object({
    id: z.uuid(),
    contactId: z.uuid(),
    protocol: z.string().describe('the code told to the person in the chat'),
    proposed: z.object({ name: z.string(), phone: z.string(), email: z.string().nullable(), reason: z.string() }).describe('the fields approval applies'),
    source: z.object({ channel: z.string(), chatId: z.string().nullable(), conversationId: z.uuid().nullable() }),
    consentAt: isoDateTime.nullable(),
    status: z.enum(UPDATE_REQUEST_STATUSES),
    decidedBy: z.string().nullable().describe('id of the staff member who approved or rejected it'),
    decidedAt: isoDateTime.nullable(),
    createdAt: isoDateTime,
  })
  .describe('ContactUpdateRequest');

export type UpdateRequestDto = z.infer<typeof updateRequestDtoSchema>;

export const listUpdateRequestsQuerySchema = z.object({
  status: z.enum(UPDATE_REQUEST_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('page size, at most 200'),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

export const updateRequestPageSchema = z.object({
  items: z.array(updateRequestDtoSchema),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
});

export const updateRequestIdParamsSchema = z.object({ id: z.uuid() });
