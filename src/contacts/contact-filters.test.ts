import { describe, expect, it } from 'vitest';
import { contactFiltersSchema, contactWhere, escapeLike, filterNames, normalizeQuery } from './contact-filters.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('contact filters', () => {
  it('reads phone-looking queries as digits, without a trunk 0', () => {
    expect(normalizeQuery('(11) 99999-8888')).toBe('11999998888');
    expect(normalizeQuery('+55 11 99999 8888')).toBe('5511999998888');
    expect(normalizeQuery('011 99999-8888')).toBe('11999998888');
    expect(normalizeQuery('0800')).toBe('0800');
    expect(normalizeQuery('João Gonçalves')).toBe('joao goncalves');
  });

  it('escapes LIKE wildcards and the escape character', () => {
    expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
  });

  it('turns each word into its own contains-condition', () => {
    const where = contactWhere(contactFiltersSchema.parse({ q: 'Maria  SILVA maria', reason: 'ação', channel: 'web' }));
    expect(where).toEqual({
      AND: [{ searchText: { contains: 'maria' } }, { searchText: { contains: 'silva' } }, { reasonSearch: { contains: 'acao' } }],
      sourceChannel: 'web',
    });
  });

  it('takes date-only bounds as whole days in São Paulo', () => {
    const f = contactFiltersSchema.parse({ createdFrom: '2026-03-01', createdTo: '2026-03-01' });
    expect(f.createdFrom?.toISOString()).toBe('2026-03-01T03:00:00.000Z');
    expect(f.createdTo?.toISOString()).toBe('2026-03-02T03:00:00.000Z');
    expect(contactFiltersSchema.safeParse({ createdTo: '2026-02-30x' }).success).toBe(false);
    expect(contactFiltersSchema.safeParse({ createdFrom: '2026-13-01' }).success).toBe(false);
    // MCP's search_contacts reads this schema without the HTTP guard in front.
    expect(contactFiltersSchema.safeParse({ channel: 'web\u0000' }).success).toBe(false);
    expect(contactFiltersSchema.safeParse({ q: 'maria\uD800' }).success).toBe(false);
  });

  it('wants one search word of 3+ characters', () => {
    expect(contactFiltersSchema.safeParse({ q: 'jo' }).success).toBe(false);
    expect(contactFiltersSchema.safeParse({ q: 'jo silva' }).success).toBe(true);
    expect(contactFiltersSchema.safeParse({ q: '(11) 9' }).success).toBe(true);
  });

  it('names the filters in use, never their values', () => {
    expect(filterNames(contactFiltersSchema.parse({ q: 'maria', channel: 'web' }))).toEqual(['q', 'channel']);
  });
});

describe('list cursor', () => {
  it('round-trips and refuses anything else', () => {
    const cursor = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: '0f8fad5b-d9cb-469f-a165-70867728950e' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of ['', 'x', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["nope","0f8fad5b-d9cb-469f-a165-70867728950e"]').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(/cursor/);
    }
  });
});
