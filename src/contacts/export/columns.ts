// The columns of the spreadsheet exports (xlsx and csv), in order, with their PT-BR headers and
// their values in SQL (the database renders the rows: rendered-batches.ts). One list so both
// formats always agree; json uses the API's own contact shape instead.
// Text values come out already neutralized against formula injection (sql-cells.ts).
import { type Fragment, join, sql } from '../../db/sql.ts';
import { formulaPrefix, isE164, raw } from './sql-cells.ts';

interface ColumnBase {
  header: string;
  /** Width in characters, for xlsx. */
  width: number;
}
export interface TextColumn extends ColumnBase {
  kind: 'text';
  /** SQL text, never null, neutralized. */
  value: Fragment;
}
/** An instant; the format writes it as São Paulo wall-clock time. */
export interface DateColumn extends ColumnBase {
  kind: 'date';
  /** SQL timestamptz, may be null (an empty cell). */
  value: Fragment;
}
export type SpreadsheetColumn = TextColumn | DateColumn;

/** Free text: shown as is, after the formula guard; a null is an empty cell. */
const neutralized = (column: string) => {
  const c = raw(`contacts.${column}`);
  return sql`(${formulaPrefix(c)} || coalesce(${c}, ''))`;
};
const text = (header: string, width: number, column: string): TextColumn => ({ kind: 'text', header, width, value: neutralized(column) });
const date = (header: string, column: string): DateColumn => ({ kind: 'date', header, width: 18, value: raw(`contacts.${column}`) });

const phone = raw('contacts.phone');
const mode = raw('contacts.mode');

export const SPREADSHEET_COLUMNS: readonly SpreadsheetColumn[] = [
  text('Nome', 32, 'name'),
  { kind: 'text', header: 'Telefone', width: 18, value: sql`(CASE WHEN ${isE164(phone)} THEN ${phone} ELSE ${neutralized('phone')} END)` },
  text('E-mail', 34, 'email'),
  text('Motivo', 50, 'reason'),
  text('Canal', 16, 'source_channel'),
  {
    kind: 'text',
    header: 'Origem',
    width: 14,
    value: sql`(CASE ${mode} WHEN 'contact' THEN 'autocadastro' WHEN 'attendant' THEN 'atendente' WHEN 'api' THEN 'API' ELSE ${neutralized('mode')} END)`,
  },
  date('Consentimento em', 'consent_at'),
  date('Criado em', 'created_at'),
  date('Atualizado em', 'updated_at'),
  { kind: 'text', header: 'ID', width: 38, value: sql`contacts.id::text` },
];

/** The columns' values as a SELECT list, aliased c0, c1, … (what the formats' lines refer to). */
export const spreadsheetValues = (): Fragment => join(SPREADSHEET_COLUMNS.map((c, i) => sql`${c.value} AS ${cell(i)}`), ', ');

/** The alias column i has in spreadsheetValues. */
export const cell = (i: number) => raw(`c${i}`);
