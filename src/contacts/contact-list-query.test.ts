import { describe, expect, it } from 'vitest';
import { contactFiltersSchema } from './contact-filters.ts';
import { bucketOf, BUCKET_SECONDS, readsByMonth } from './contact-list-query.ts';

const by = (q: string) => readsByMonth(contactFiltersSchema.parse({ q }));

describe('month by month listing', () => {
  it('is chosen for two or more words of 3+ characters only, words split as pg_trgm splits them', () => {
    expect(by('maria silva')).toBe(true);
    expect(by('Ana  CONCEIÇÃO')).toBe(true);
    expect(by('maria.silva gmail')).toBe(true);
    expect(by('maria')).toBe(false);
    expect(by('maria maria')).toBe(false);
    expect(by('ma silva')).toBe(false);
    expect(by('(11) 98765-4321')).toBe(false); // a phone's digits are one word
    // Punctuation splits words for the trigram index, so it does here too.
    expect(by('maria.silva')).toBe(true);
    expect(by('gmail.com')).toBe(true);
    expect(by('joão_souza@')).toBe(true);
    expect(by('uol.com.br')).toBe(false);
    expect(by('jg@exemplo')).toBe(false);
    expect(readsByMonth(contactFiltersSchema.parse({ reason: 'apoio emocional' }))).toBe(false);
  });

  it('buckets time in 30-day steps from the epoch, as the index expression does', () => {
    expect(bucketOf(new Date(0))).toBe(0);
    expect(bucketOf(new Date(BUCKET_SECONDS * 1000 - 1))).toBe(0);
    expect(bucketOf(new Date(BUCKET_SECONDS * 1000))).toBe(1);
    expect(bucketOf(new Date('2026-12-04T20:00:00Z'))).toBe(693);
  });
});
