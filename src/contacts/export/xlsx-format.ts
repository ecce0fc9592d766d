// xlsx through exceljs's streaming WorkbookWriter, with the rows' XML rendered by the database
// (xlsx-rows.ts) written straight into the sheet's stream, one batch at a time, so memory does not grow
// with the row count — provided we wait for the consumer. The writer itself ignores backpressure (ENVIRONMENT.md: 1M rows →
// ~460 MB RSS without waiting), so after every batch we let the zip and the socket catch up.
import { PassThrough, type Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { SPREADSHEET_COLUMNS } from './columns.ts';
import type { RenderedBatch, RowRenderer } from './rendered-batches.ts';
import { xlsxRowRenderer } from './xlsx-rows.ts';

/** Opens the rows' source once the renderer is known (it needs the style ids exceljs gives). */
export type BatchSource = (renderer: RowRenderer) => AsyncIterable<RenderedBatch>;

// The socket side buffers this much before the zip is paused.
const OUTPUT_BUFFER_BYTES = 1 << 20;
// Uncompressed XML allowed to wait for zlib: about 1000 rows.
const ZIP_BACKLOG_BYTES = 1 << 20;
const DATE_FORMAT = 'dd/mm/yyyy hh:mm';
// "@" is Excel's Text format: a phone edited in Excel stays text instead of becoming 5,5E+12.
const TEXT_FORMAT = '@';

type Waitable = NodeJS.EventEmitter & { _writableState?: { length: number } };

/**
 * The stream exceljs feeds the sheet's XML into: the zip entry, which deflates on the thread
 * pool. exceljs writes into it ignoring its buffer, so when rows come faster than zlib
 * compresses, the whole uncompressed sheet piles up there (~600 bytes a row). Reaching it
 * takes exceljs 4.4 internals (worksheet.stream.pipes); if they change this returns
 * undefined and only the socket is waited for — the memory test would then show it.
 */
function zipEntryOf(sheet: ExcelJS.Worksheet): Waitable | undefined {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes;
  const entry = pipes?.[0] as Waitable | undefined;
  return typeof entry?._writableState?.length === 'number' ? entry : undefined;
}

/** Resolves on the first of these events, or after `ms` (a safety net against a missed event). */
function firstOf(events: [NodeJS.EventEmitter, string][], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const [emitter, event] of events) emitter.off(event, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const [emitter, event] of events) emitter.on(event, done);
  });
}

/** Waits until the zip has compressed what was written and the socket wants more, or `out` is gone. */
async function caughtUp(entry: Waitable | undefined, out: PassThrough): Promise<void> {
  while (!out.destroyed) {
    if (entry && entry._writableState!.length > ZIP_BACKLOG_BYTES) await firstOf([[entry, 'drain'], [out, 'close']], 100);
    else if (out.writableNeedDrain) await firstOf([[out, 'drain'], [out, 'close']], 1000);
    else return;
  }
}

// One style object per column: the columns' default style, and (by id) their cells'.
const COLUMN_STYLES = SPREADSHEET_COLUMNS.map((c) => ({ numFmt: c.kind === 'date' ? DATE_FORMAT : TEXT_FORMAT }));

// exceljs holds ~8 MB of heap once loaded: loaded on the first xlsx export, not at start-up
// (a bigger resident heap makes every major GC of the message path slower).
let excel: Promise<typeof ExcelJS> | undefined;
const loadExcel = () => (excel ??= import('exceljs').then((m) => (m as unknown as { default: typeof ExcelJS }).default));

/** The parts of exceljs 4.4's WorkbookWriter and WorksheetWriter this reaches into. */
interface WriterInternals {
  zip: NodeJS.EventEmitter & { abort(): void };
  styles: { addStyleModel(model: object, cellType: number): number };
}

/**
 * exceljs writes the package around the rows (parts, styles, the frozen bold header, column
 * widths); the rows go into the sheet's XML stream as text from xlsx-rows.ts, one write per batch.
 */
async function writeWorkbook(open: BatchSource, out: PassThrough): Promise<void> {
  const ExcelJS = await loadExcel();
  // No shared strings: that table would hold every distinct text of the export in memory.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const internals = workbook as unknown as WriterInternals;
  // An archiver error with no listener would take the whole process down; fail this download instead.
  internals.zip.on('error', (err: Error) => out.destroy(err));
  const sheet = workbook.addWorksheet('Contatos', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = SPREADSHEET_COLUMNS.map((c, i) => ({ width: c.width, style: COLUMN_STYLES[i] }));
  const header = sheet.addRow(SPREADSHEET_COLUMNS.map((c) => c.header));
  header.font = { bold: true };
  header.commit();
  // The ids the columns' styles got (the same model gives the same id).
  const styleIds = SPREADSHEET_COLUMNS.map((c, i) =>
    internals.styles.addStyleModel(COLUMN_STYLES[i]!, c.kind === 'date' ? ExcelJS.ValueType.Date : ExcelJS.ValueType.String),
  );
  const batches = open(xlsxRowRenderer(styleIds));
  const sheetXml = (sheet as unknown as { stream: NodeJS.WritableStream }).stream;

  const entry = zipEntryOf(sheet);
  for await (const batch of batches) {
    sheetXml.write(typeof batch.text === 'string' ? Buffer.from(batch.text, 'utf8') : batch.text);
    await caughtUp(entry, out);
    // The client went away: leaving the loop closes the row source (and records the abort).
    if (out.destroyed) {
      internals.zip.abort();
      return;
    }
  }
  sheet.commit();
  await workbook.commit();
}

export function xlsxStream(open: BatchSource): Readable {
  const out = new PassThrough({ highWaterMark: OUTPUT_BUFFER_BYTES });
  writeWorkbook(open, out).catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}
