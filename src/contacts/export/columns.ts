// The columns of the spreadsheet exports (xlsx and csv), in order, with their PT-BR headers
// and the SQL of each cell's value. One list so both formats always agree; json uses the
// API's own contact shape instead (row-sql.ts).
//
// Cell values are computed by the database, not in JavaScript: the export's batches come
// back as one preformatted text per batch (contact-batches.ts), so Node does no per-row work.
// Text cells come out already neutralized against formula injection (cell-sql.ts).
import { Prisma } from '../../generated/prisma/client.ts';
import { neutralizedText, phoneText } from './cell-sql.ts';

interface ColumnBase {
  header: string;
  /** Width in characters, for xlsx. */
  width: number;
}
export interface TextColumn extends ColumnBase {
  kind: 'text';
  /** The cell's text (never NULL), neutralized. */
  sql: Prisma.Sql;
}
/** An instant; the format writes it as São Paulo wall-clock time. */
export interface DateColumn extends ColumnBase {
  kind: 'date';
  /** A timestamptz, NULL when there is none. */
  sql: Prisma.Sql;
}
export type SpreadsheetColumn = TextColumn | DateColumn;

const MODE_LABEL = Prisma.raw(`CASE contacts.mode WHEN 'contact' THEN 'autocadastro' WHEN 'attendant' THEN 'atendente' WHEN 'api' THEN 'API' ELSE contacts.mode END`);

const text = (header: string, width: number, value: Prisma.Sql): TextColumn => ({ kind: 'text', header, width, sql: neutralizedText(value) });
const date = (header: string, column: string): DateColumn => ({ kind: 'date', header, width: 18, sql: Prisma.raw(`contacts.${column}`) });
const column = (name: string) => Prisma.raw(`contacts.${name}`);

export const SPREADSHEET_COLUMNS: readonly SpreadsheetColumn[] = [
  text('Nome', 32, column('name')),
  { kind: 'text', header: 'Telefone', width: 18, sql: phoneText(column('phone')) },
  text('E-mail', 34, column('email')),
  text('Motivo', 50, column('reason')),
  text('Canal', 16, column('source_channel')),
  text('Origem', 14, MODE_LABEL),
  date('Consentimento em', 'consent_at'),
  date('Criado em', 'created_at'),
  date('Atualizado em', 'updated_at'),
  text('ID', 38, Prisma.raw('contacts.id::text')),
];
