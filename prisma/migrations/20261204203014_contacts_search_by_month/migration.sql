-- GET /contacts?q= reads the newest months first (src/contacts/contact-list-query.ts): one GIN
-- index holds each row's trigrams of search_text and the 30-day bucket of its created_at, so
-- "these words in this month" is one index lookup returning that month's matches alone.
-- btree_gin lets a GIN index hold a plain integer beside the trigrams. The bucket expression is
-- repeated verbatim in the queries (the planner matches it by its text); date_part on a
-- timestamp without time zone is immutable, as an index expression must be.
-- Prisma cannot declare an index on an expression: schema.prisma names this one in a comment.
-- The index replaces the trigram index on search_text alone (it serves those searches too),
-- and is built from the existing rows: there is nothing to backfill.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX "contacts_search_text_month_trgm_idx" ON "contacts" USING GIN (
  "search_text" gin_trgm_ops,
  ((floor(date_part('epoch', "created_at" AT TIME ZONE 'UTC') / 2592000))::int)
);

-- DropIndex
DROP INDEX "contacts_search_text_trgm_idx";
