// JSON: one array of contacts in the same shape GET /contacts returns (toContactDto), so a
// script can consume either. Dates are ISO 8601 in UTC ("…Z"), like everywhere in the API;
// no formula neutralization: JSON is not opened by spreadsheets and values must stay exact.
import { Readable } from 'node:stream';
import { toContactDto } from '../contact-dto.ts';
import type { ContactRow } from '../contact-repository.ts';

async function* jsonChunks(batches: AsyncIterable<ContactRow[]>): AsyncGenerator<string> {
  yield '[';
  let first = true;
  for await (const batch of batches) {
    let chunk = '';
    for (const row of batch) {
      chunk += (first ? '\n' : ',\n') + JSON.stringify(toContactDto(row));
      first = false;
    }
    yield chunk;
  }
  yield first ? ']\n' : '\n]\n';
}

export function jsonStream(batches: AsyncIterable<ContactRow[]>): Readable {
  return Readable.from(jsonChunks(batches), { objectMode: false });
}
