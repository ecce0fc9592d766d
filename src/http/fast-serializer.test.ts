// The list's fast writer must write what the zod type provider's serializer wrote: the same
// JSON for every shape a contact page takes, extra properties left out, a missing one refused.
import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contactPageSchema, type ContactDto } from '../contacts/contact-schemas.ts';
import { compileJsonWriter, serializableSchema } from './fast-serializer.ts';

const at = '2026-12-04T23:50:01.123Z';
const provenance = { source: 'llm:llama3.1:8b', messageId: 'wamid.ABC', at, confirmedBy: 'person' };
const contact = (over: Partial<ContactDto>): ContactDto => ({
  id: '3f1c2a4e-1b2c-4d5e-8f90-123456789abc',
  protocol: 'K7Q2-9XPM',
  name: 'Maria "Mara" Silva\\ Ção',
  phone: '+5511999998888',
  email: 'maria@exemplo.com',
  reason: 'apoio\nemocional </script> \u2028',
  source: { channel: 'whatsapp', chatId: '5511999998888@s.whatsapp.net' },
  createdBy: 'bot',
  mode: 'contact',
  consentAt: at,
  sync: { status: 'failed', error: 'HTTP 502', syncedAt: at },
  createdAt: at,
  updatedAt: at,
  provenance: { name: provenance, phone: { ...provenance, source: 'channel', messageId: null, confirmedBy: null } },
  ...over,
});

const zodWriter = serializerCompiler({ schema: contactPageSchema, method: 'GET', url: '/contacts' } as never) as (v: unknown) => string;
const fastWriter = compileJsonWriter(contactPageSchema);

describe('fast JSON writer of GET /contacts pages', () => {
  it('writes the same JSON as the zod serializer for every nullable and optional shape', () => {
    const pages = [
      { items: [], nextCursor: null },
      {
        items: [
          contact({}),
          contact({ email: null, consentAt: null, provenance: null, source: { channel: 'api', chatId: null }, sync: { status: 'disabled', error: null, syncedAt: null } }),
          contact({ mode: 'api', createdBy: '0b9d6c1e-2f3a-4b5c-8d7e-6f5a4b3c2d1e', provenance: { reason: provenance } }),
        ],
        nextCursor: 'WyIyMDI2LTEyLTA0VDIzOjUwOjAxLjEyM1oiLCIzZjFjIl0',
      },
    ];
    for (const page of pages) {
      expect(fastWriter(page)).toBe(zodWriter(page));
      expect(JSON.parse(fastWriter(page))).toEqual(page);
    }
  });

  it('leaves out properties the schema does not declare, as the zod serializer did', () => {
    const page = { items: [{ ...contact({}), passwordHash: 'x', source: { channel: 'web', chatId: null, ip: '10.0.0.1' } }], nextCursor: null, debug: true };
    const written = JSON.parse(fastWriter(page));
    expect(written).toEqual(JSON.parse(zodWriter(page)));
    expect(JSON.stringify(written)).not.toMatch(/passwordHash|10\.0\.0\.1|debug/);
  });

  it('refuses a page missing a required property instead of writing it without', () => {
    const { phone: _phone, ...noPhone } = contact({});
    expect(() => fastWriter({ items: [noPhone], nextCursor: null })).toThrow(/phone/);
  });

  it('turns zod nullables into nullable types, so no branch is chosen by validation', () => {
    const schema = z.toJSONSchema(z.object({ a: z.string().nullable(), b: z.object({ c: z.number() }).nullable(), d: z.iso.datetime() }), { target: 'draft-7' });
    const plain = JSON.stringify(serializableSchema(schema));
    expect(plain).not.toMatch(/anyOf|format|pattern/);
    expect(serializableSchema(schema)).toMatchObject({ properties: { a: { type: ['string', 'null'] }, b: { type: ['object', 'null'], properties: { c: { type: 'number' } } }, d: { type: 'string' } } });
  });
});
