// Request and response shapes of /users: validated by Fastify, published at /docs.
import { z } from 'zod';
import { cleanText, normalizeEmail } from '../contacts/fields.ts';
import { ADDRESS_MAX, CHANNEL_PATTERN, normalizeChatAddress } from './chat-identity.ts';
import type { UserView } from './user-repository.ts';

export const PASSWORD_MIN = 10;
const IDENTITIES_MAX = 20;

export const roleSchema = z.enum(['admin', 'attendant']);

const emailSchema = z
  .string()
  .max(254)
  .transform((value, ctx) => {
    const result = normalizeEmail(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  })
  .describe('stored lower-case');

const nameSchema = z.string().max(400).transform(cleanText).pipe(z.string().min(1).max(200)).nullable();

const passwordSchema = z.string().min(PASSWORD_MIN).max(200);

const identityInput = z.object({
  channel: z
    .string()
    .trim()
    .toLowerCase()
    .regex(CHANNEL_PATTERN, { error: 'expected a channel name such as whatsapp, whatsapp-cloud, telegram or web' }),
  address: z.string().min(1).max(ADDRESS_MAX).describe('phone for whatsapp/whatsapp-cloud (stored E.164); user id, @username or +phone for telegram'),
});

/** Normalizes each address for its channel and refuses the same identity listed twice. */
const identitiesSchema = z
  .array(identityInput)
  .max(IDENTITIES_MAX)
  .transform((list, ctx) => {
    const seen = new Set<string>();
    return list.map((identity, index) => {
      const result = normalizeChatAddress(identity.channel, identity.address);
      if (!result.ok) {
        ctx.addIssue({ code: 'custom', path: [index, 'address'], message: result.message });
        return identity;
      }
      const key = `${identity.channel}\u0000${result.value}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index, 'address'], message: 'the same identity is listed twice' });
      seen.add(key);
      return { channel: identity.channel, address: result.value };
    });
  });

export const createUserBody = z.object({
  email: emailSchema,
  name: nameSchema.optional(),
  password: passwordSchema,
  role: roleSchema,
  identities: identitiesSchema.optional(),
});

export const updateUserBody = z
  .object({
    name: nameSchema.optional(),
    role: roleSchema.optional(),
    password: passwordSchema.optional().describe('changing it logs the user out everywhere (access tokens, refresh tokens, web chat sessions)'),
    identities: identitiesSchema.optional().describe('replaces all of the user\u2019s identities'),
    disabled: z.boolean().optional().describe('true: the user cannot log in and every session of theirs ends at once'),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), { error: 'nothing to change' });

export const userIdParams = z.object({ id: z.uuid() });

export const userResponse = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  role: roleSchema,
  disabled: z.boolean(),
  identities: z.array(z.object({ channel: z.string(), address: z.string() })),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const userListResponse = z.object({ items: z.array(userResponse) });

export function toUserResponse(user: UserView): z.infer<typeof userResponse> {
  return { ...user, createdAt: user.createdAt.toISOString(), updatedAt: user.updatedAt.toISOString() };
}
