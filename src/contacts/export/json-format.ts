// JSON: one array of contacts in the same shape GET /contacts returns (toContactDto), so a
// script can consume either. Dates are ISO 8601 in UTC ("…Z"), like everywhere in the API;
// no formula neutralization: JSON is not opened by spreadsheets and values must stay exact.
// Each contact comes from the database as ",\n{…}" (row-sql.ts jsonRow).
import type { ExportChunk } from './contact-batches.ts';

export async function* jsonChunks(chunks: AsyncIterable<ExportChunk>): AsyncGenerator<string> {
  let first = true;
  for await (const chunk of chunks) {
    // The first contact has no comma before it.
    yield first ? `[${chunk.text.slice(1)}` : chunk.text;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}
