// JSON: one array of contacts in the same shape GET /contacts returns (toContactDto), so a
// script can consume either. Dates are ISO 8601 in UTC ("…Z"), like everywhere in the API;
// no formula neutralization: JSON is not opened by spreadsheets and values must stay exact.
// The objects are rendered by the database (rendered-batches.ts), with the key order and the
// compact form of JSON.stringify(toContactDto(row)); test/export-formats.test.ts compares the
// file with GET /contacts on both databases.
import { Readable } from 'node:stream';
import { type Fragment, sql } from '../../db/sql.ts';
import type { RenderedBatch, RowRenderer } from './rendered-batches.ts';
import { isoUtcText, raw } from './sql-cells.ts';

/** A JSON string (to_json escapes as JSON.stringify does), or null. */
const str = (column: string) => sql`coalesce(to_json(contacts.${raw(column)})::text, 'null')`;
const time = (column: string) => sql`coalesce('"' || ${isoUtcText(raw(`contacts.${column}`))} || '"', 'null')`;

const key = (name: string, value: Fragment, first = false) => sql`'${raw(`${first ? '' : ','}"${name}":`)}' || ${value}`;

// Keys in toContactDto's order. provenance is not read: the export always showed it as null
// (GET /contacts/:id and portability show it).
const OBJECT = sql`'{' || ${key('id', sql`'"' || contacts.id::text || '"'`, true)}
  || ${key('protocol', str('protocol'))} || ${key('name', str('name'))} || ${key('phone', str('phone'))}
  || ${key('email', str('email'))} || ${key('reason', str('reason'))}
  || ${key('source', sql`'{"channel":' || ${str('source_channel')} || ',"chatId":' || ${str('source_chat_id')} || '}'`)}
  || ${key('createdBy', str('created_by'))} || ${key('mode', str('mode'))} || ${key('consentAt', time('consent_at'))}
  || ${key('sync', sql`'{"status":' || ${str('sync_status')} || ',"error":' || ${str('sync_error')} || ',"syncedAt":' || ${time('synced_at')} || '}'`)}
  || ${key('createdAt', time('created_at'))} || ${key('updatedAt', time('updated_at'))} || ',"provenance":null}'`;

// Every object comes after ",\n"; the first one's comma is dropped here (jsonChunks), so the
// line needs no row number (rendered-batches.ts, `numbered`).
export const JSON_RENDERER: RowRenderer = {
  values: sql`${OBJECT} AS object`,
  line: sql`E',\\n' || object`,
};

async function* jsonChunks(batches: AsyncIterable<RenderedBatch>): AsyncGenerator<string | Buffer> {
  yield '[';
  let first = true;
  for await (const batch of batches) {
    if (!batch.text.length) continue;
    // The text starts with the first object's ",": one byte, in a string or a Buffer.
    const { text } = batch;
    yield !first ? text : typeof text === 'string' ? text.slice(1) : text.subarray(1);
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}

export function jsonStream(batches: AsyncIterable<RenderedBatch>): Readable {
  return Readable.from(jsonChunks(batches), { objectMode: false });
}
