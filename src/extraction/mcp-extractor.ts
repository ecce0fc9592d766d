// The application's only way to extract contact fields: an MCP client calling the
// `extract_contact` tool — of the in-process server (a linked in-memory pair, the default) or
// of a remote one over Streamable HTTP (MCP_URL + MCP_TOKEN). The answer is validated with zod
// here too; a transport failure becomes a "failed" report like an LLM failure, so callers
// handle one shape and never an exception.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { HealthCheck } from '../http/health-routes.ts';
import type { Logger } from '../observability/logger.ts';
import type { ExtractionMetrics } from './extraction-metrics.ts';
import { type ExtractInput, type ExtractionReport, extractionReportSchema } from './extraction-schema.ts';
import { buildReport } from './field-merge.ts';

export interface Extractor {
  extract(input: ExtractInput): Promise<ExtractionReport>;
  close(): Promise<void>;
}

export interface McpExtractorOptions {
  /** How long one tool call may take: the LLM policy's worst case plus a margin. */
  callTimeoutMs: number;
  logger?: Logger;
  /** Only for a remote server: the in-process one counts outcomes itself. */
  metrics?: ExtractionMetrics;
}

type Connect = () => Promise<Client>;

const CLIENT_INFO = { name: 'atende-app', version: '1' };
const CONNECT_TIMEOUT_MS = 5_000;
const HEALTH_TIMEOUT_MS = 1_500;

export class McpExtractor implements Extractor {
  private client?: Promise<Client>;
  private closed = false;

  private constructor(
    private readonly connect: Connect,
    private readonly options: McpExtractorOptions,
  ) {}

  /** Client and server in this process, linked by an in-memory transport pair. */
  static async inProcess(newServer: () => McpServer, options: McpExtractorOptions): Promise<McpExtractor> {
    const extractor = new McpExtractor(async () => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await newServer().connect(serverSide);
      const client = new Client(CLIENT_INFO);
      await client.connect(clientSide);
      return client;
    }, options);
    await extractor.connection();
    return extractor;
  }

  /** A remote server over Streamable HTTP; connects on first use and again after a failure. */
  static remote(url: string, token: string | undefined, options: McpExtractorOptions): McpExtractor {
    return new McpExtractor(async () => {
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const client = new Client(CLIENT_INFO);
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }), { timeout: CONNECT_TIMEOUT_MS });
      return client;
    }, options);
  }

  private connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error('the extractor is closed'));
    if (!this.client) {
      const connecting = this.connect();
      this.client = connecting;
      connecting.catch(() => {
        if (this.client === connecting) this.client = undefined;
      });
    }
    return this.client;
  }

  async extract(input: ExtractInput): Promise<ExtractionReport> {
    const report = await this.call(input);
    this.options.metrics?.extractions.inc({
      outcome: report.failure?.reason === 'breaker_open' ? 'breaker_open' : report.outcome === 'failed' ? 'failed' : report.outcome,
    });
    return report;
  }

  private async call(input: ExtractInput): Promise<ExtractionReport> {
    try {
      const client = await this.connection();
      const result = await client.callTool({ name: 'extract_contact', arguments: input }, undefined, { timeout: this.options.callTimeoutMs });
      const report = extractionReportSchema.safeParse(result.structuredContent);
      if (report.success) return report.data;
      this.options.logger?.warn({ event: 'extraction_tool_error', isError: result.isError === true }, 'extract_contact gave no valid report');
    } catch (err) {
      this.drop();
      this.options.logger?.warn({ event: 'extraction_mcp_failed', err: { message: (err as Error).message } }, 'MCP call to extract_contact failed');
    }
    return buildReport(null, input.known ?? {}, input.text, { code: 'llm_unavailable', reason: 'mcp_error' });
  }

  /** A connection that failed is closed and forgotten; the next call connects again. */
  private drop(): void {
    const stale = this.client;
    this.client = undefined;
    stale?.then((c) => c.close()).catch(() => {});
  }

  /** For a remote server: can we reach it? (The in-process one is checked through Ollama.) */
  healthCheck(): HealthCheck {
    return {
      name: 'mcp',
      check: async () => {
        // Answer within the readiness probe's own limit, or it would call this "down".
        let timer: NodeJS.Timeout | undefined;
        const slow = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
        });
        try {
          await Promise.race([this.connection().then((c) => c.ping({ timeout: HEALTH_TIMEOUT_MS })), slow]);
          return { status: 'up' };
        } catch (err) {
          this.drop();
          return { status: 'degraded', detail: `MCP server unreachable: ${(err as Error).message.slice(0, 120)}` };
        } finally {
          clearTimeout(timer);
        }
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = await this.client?.catch(() => undefined);
    await client?.close();
  }
}
