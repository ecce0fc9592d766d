// Keyset pagination of contacts, newest first, on (created_at, id): a page starts right after
// the last row of the previous one, so rows inserted meanwhile never shift later pages (no
// duplicates, no gaps) and page 1000 costs what page 1 costs — unlike OFFSET.
// The cursor is opaque to clients (base64url) so its contents may change without an API change.
import { ValidationError } from '../domain/errors.ts';

export interface ListCursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): ListCursor {
  const invalid = () => ValidationError.field('cursor', 'invalid cursor: pass the nextCursor of a previous page unchanged', 'invalid_cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [at, id] = parsed as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime())) throw invalid();
  return { createdAt, id };
}
