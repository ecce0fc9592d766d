// Starts a contacts export: picks the format, streams the selected rows into it and writes the
// audit entry. The entry for a complete export is written after the last row was read and
// before the file's last bytes go out, so every export a client received in full is audited
// (and a failing audit write fails the download); an export that ends early — client gone,
// database error — is recorded when its stream closes, flagged, with the rows read so far.
import type { Readable } from 'node:stream';
import type { AuditContext, AuditLog } from '../../audit/audit-log.ts';
import type { Database } from '../../db/database.ts';
import { UnavailableError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { type ContactFilters, filterNames } from '../contact-filters.ts';
import { saoPauloDate } from './cells.ts';
import { copiedRows } from './copied-rows.ts';
import { csvRenderer, type CsvSeparator, csvStream } from './csv-format.ts';
import { JSON_RENDERER, jsonStream } from './json-format.ts';
import { DEFAULT_BATCH_SIZE, type RenderedBatch, type RowRenderer, renderedBatches } from './rendered-batches.ts';
import { type BatchSource, xlsxStream } from './xlsx-format.ts';

export const EXPORT_FORMATS = ['xlsx', 'csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const CONTENT_TYPES: Record<ExportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export interface ExportRequest {
  format: ExportFormat;
  filters: ContactFilters;
  /** csv only. */
  separator?: CsvSeparator;
}

export interface ContactExport {
  stream: Readable;
  contentType: string;
  fileName: string;
}

export type ExportOutcome = 'completed' | 'client_closed' | 'failed';

export interface ContactExporterDeps {
  db: Database;
  audit: AuditLog;
  batchSize?: number;
  /** Exports running at once; each holds a few MB to ~150 MB (xlsx) while it runs. Default 2. */
  maxConcurrent?: number;
  now?: () => Date;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export class ContactExporter {
  private running = 0;
  private readonly maxConcurrent: number;

  constructor(private readonly deps: ContactExporterDeps) {
    this.maxConcurrent = deps.maxConcurrent ?? 2;
  }

  start(request: ExportRequest, ctx: AuditContext): ContactExport {
    if (this.running >= this.maxConcurrent) {
      throw new UnavailableError(`${this.maxConcurrent} exports are already running; try again in a minute`, 30);
    }
    this.running++;

    const started = performance.now();
    const state = { rows: 0, completed: false };
    const auditMeta = { format: request.format, filters: filterNames(request.filters) };
    const record = (extra: Record<string, string | number | boolean>) =>
      this.deps.audit.record(ctx, { action: 'contact.export', entityType: 'contact', meta: { ...auditMeta, rows: state.rows, ...extra } });

    // Opened by the format, which knows how its rows are rendered (xlsx only once exceljs has
    // given the styles their ids).
    let source: AsyncGenerator<RenderedBatch> | undefined;
    const open: BatchSource = (renderer) => {
      const { db } = this.deps;
      source = db.copyOut
        ? copiedRows((query, format) => db.copyOut!(query, format), request.filters, renderer)
        : renderedBatches(db, request.filters, renderer, this.deps.batchSize ?? DEFAULT_BATCH_SIZE);
      return counted(source, state, async () => {
        await record({});
        state.completed = true;
      });
    };
    const stream = this.render(request, open);

    stream.once('close', () => {
      this.running--;
      const outcome: ExportOutcome = state.completed ? 'completed' : stream.errored ? 'failed' : 'client_closed';
      const ms = Math.round(performance.now() - started);
      this.deps.logger.info({ event: 'contact_export', requestId: ctx.requestId, format: request.format, rows: state.rows, outcome, ms }, 'contacts export ended');
      if (outcome === 'completed') return;
      // The source may never have started (client gone before the first read): close it so
      // no read is left behind, then record what was sent.
      void Promise.resolve(source?.return(undefined))
        .then(() => record({ aborted: true, reason: outcome }))
        .catch((err: unknown) => this.deps.logger.error({ event: 'audit_failed', requestId: ctx.requestId, err }, 'could not record an aborted export'));
    });

    const extension = request.format;
    return { stream, contentType: CONTENT_TYPES[request.format], fileName: `contatos-${saoPauloDate(this.deps.now?.())}.${extension}` };
  }

  private render(request: ExportRequest, open: (renderer: RowRenderer) => AsyncIterable<RenderedBatch>): Readable {
    switch (request.format) {
      case 'xlsx':
        return xlsxStream(open);
      case 'csv': {
        const separator = request.separator ?? ';';
        return csvStream(open(csvRenderer(separator)), separator);
      }
      case 'json':
        return jsonStream(open(JSON_RENDERER));
    }
  }
}

async function* counted(
  source: AsyncIterable<RenderedBatch>,
  state: { rows: number },
  onExhausted: () => Promise<void>,
): AsyncGenerator<RenderedBatch> {
  for await (const batch of source) {
    state.rows += batch.rows;
    yield batch;
  }
  await onExhausted();
}
