// The columns of the spreadsheet exports (xlsx and csv), in order, with their PT-BR headers.
// One list so both formats always agree; json uses the API's own contact shape instead.
// Text values come out already neutralized against formula injection (cells.ts).
import type { ContactRow } from '../contact-repository.ts';
import { neutralizeFormula, phoneCell } from './cells.ts';

interface ColumnBase {
  header: string;
  /** Width in characters, for xlsx. */
  width: number;
}
export interface TextColumn extends ColumnBase {
  kind: 'text';
  value(row: ContactRow): string;
}
/** An instant; the format writes it as São Paulo wall-clock time. */
export interface DateColumn extends ColumnBase {
  kind: 'date';
  value(row: ContactRow): Date | null;
}
export type SpreadsheetColumn = TextColumn | DateColumn;

const MODE_LABELS: Record<string, string> = { contact: 'autocadastro', attendant: 'atendente', api: 'API' };

const text = (header: string, width: number, get: (r: ContactRow) => string | null): TextColumn => ({
  kind: 'text',
  header,
  width,
  value: (r) => {
    const v = get(r);
    return v === null ? '' : neutralizeFormula(v);
  },
});
const date = (header: string, get: (r: ContactRow) => Date | null): DateColumn => ({ kind: 'date', header, width: 18, value: get });

export const SPREADSHEET_COLUMNS: readonly SpreadsheetColumn[] = [
  text('Nome', 32, (r) => r.name),
  { kind: 'text', header: 'Telefone', width: 18, value: (r) => phoneCell(r.phone) },
  text('E-mail', 34, (r) => r.email),
  text('Motivo', 50, (r) => r.reason),
  text('Canal', 16, (r) => r.sourceChannel),
  text('Origem', 14, (r) => MODE_LABELS[r.mode] ?? r.mode),
  date('Consentimento em', (r) => r.consentAt),
  date('Criado em', (r) => r.createdAt),
  date('Atualizado em', (r) => r.updatedAt),
  text('ID', 38, (r) => r.id),
];
