// Each export format's text for one contact, as SQL. A format names the cells it needs
// (computed once per row in the batch's inner query) and builds the row's text from them.
import { Prisma } from '../../generated/prisma/client.ts';
import { csvField, dateTimeBR, excelSerial, jsonInstant, jsonText, xmlText } from './cell-sql.ts';
import { SPREADSHEET_COLUMNS } from './columns.ts';

export interface RowFormat {
  /** Expressions over `contacts`, each evaluated once per row. */
  cells: readonly Prisma.Sql[];
  /**
   * The row's text from `cells` (given as column references) and `rowNumber` (the row's
   * 1-based position in the export, as text).
   */
  line(cells: readonly Prisma.Sql[], rowNumber: Prisma.Sql): Prisma.Sql;
  /** Added to the contact's position for `rowNumber` (xlsx: the header is row 1). */
  rowOffset?: number;
}

const concat = (parts: readonly Prisma.Sql[]) => Prisma.join(parts, ' || ');
const text = (s: string) => Prisma.raw(`E'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`);

/** csv: fields joined by `separator`, CRLF at the end. */
export function csvRow(separator: ';' | ','): RowFormat {
  return {
    cells: SPREADSHEET_COLUMNS.map((c) => c.sql),
    line: (cells) =>
      concat([
        Prisma.join(
          SPREADSHEET_COLUMNS.map((c, i) => (c.kind === 'text' ? csvField(cells[i]!, separator) : dateTimeBR(cells[i]!))),
          ` || ${separator === ';' ? "E';'" : "E','"} || `,
        ),
        text('\r\n'),
      ]),
  };
}

/** json: `,\n` and the contact as GET /contacts shapes it (toContactDto), keys in its order. */
export function jsonRow(): RowFormat {
  const fields = [
    'contacts.id::text',
    'contacts.protocol',
    'contacts.name',
    'contacts.phone',
    'contacts.email',
    'contacts.reason',
    'contacts.source_channel',
    'contacts.source_chat_id',
    'contacts.created_by',
    'contacts.mode',
    'contacts.consent_at',
    'contacts.sync_status::text',
    'contacts.sync_error',
    'contacts.synced_at',
    'contacts.created_at',
    'contacts.updated_at',
  ];
  return {
    cells: fields.map((f) => Prisma.raw(f)),
    line: (c) =>
      concat([
        text(',\n{"id":'), jsonText(c[0]!),
        text(',"protocol":'), jsonText(c[1]!),
        text(',"name":'), jsonText(c[2]!),
        text(',"phone":'), jsonText(c[3]!),
        text(',"email":'), jsonText(c[4]!),
        text(',"reason":'), jsonText(c[5]!),
        text(',"source":{"channel":'), jsonText(c[6]!),
        text(',"chatId":'), jsonText(c[7]!),
        text('},"createdBy":'), jsonText(c[8]!),
        text(',"mode":'), jsonText(c[9]!),
        text(',"consentAt":'), jsonInstant(c[10]!),
        text(',"sync":{"status":'), jsonText(c[11]!),
        text(',"error":'), jsonText(c[12]!),
        text(',"syncedAt":'), jsonInstant(c[13]!),
        text('},"createdAt":'), jsonInstant(c[14]!),
        text(',"updatedAt":'), jsonInstant(c[15]!),
        // Not read: no export shows provenance (GET /contacts/:id and portability do).
        text(',"provenance":null}'),
      ]),
  };
}

const COLUMN_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * xlsx: one <row> of the sheet's XML, as exceljs writes it for the same values (inline "str"
 * cells, dates as serial numbers); `styles[i]` is the style id of column i.
 */
export function xlsxRow(styles: readonly number[]): RowFormat {
  return {
    cells: SPREADSHEET_COLUMNS.map((c) => c.sql),
    rowOffset: 1,
    line: (cells, r) =>
      concat([
        text('<row r="'), r, text(`" spans="1:${SPREADSHEET_COLUMNS.length}" x14ac:dyDescent="0.25">`),
        ...SPREADSHEET_COLUMNS.map((c, i) => {
          const open = concat([text(`<c r="${COLUMN_LETTERS[i]}`), r, text(`" s="${styles[i]}"`)]);
          if (c.kind === 'text') return concat([open, text(' t="str"><v>'), xmlText(cells[i]!), text('</v></c>')]);
          return Prisma.sql`(CASE WHEN ${cells[i]!} IS NULL THEN ${open} || E'/>' ELSE ${open} || E'><v>' || ${excelSerial(cells[i]!)} || E'</v></c>' END)`;
        }),
        text('</row>'),
      ]),
  };
}
