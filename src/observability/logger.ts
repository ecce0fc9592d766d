import pino, { type DestinationStream, type Logger } from 'pino';
import { maskDeep, maskString } from './mask.ts';

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Where JSON lines go; stdout by default (tests pass a capture stream). */
  destination?: DestinationStream;
}

interface LoggedRequest {
  method: string;
  url: string;
  id: string;
  routeOptions?: { url?: string };
}

/**
 * What a log line says about a request: the route's pattern and the names of the query
 * parameters, never their values nor the concrete path — URLs carry searches (`q=joana`),
 * e-mails (`%40` escapes slip past masking), ids and tokens (`hub.verify_token=…`).
 */
export function requestForLog(req: LoggedRequest) {
  const query = req.url.indexOf('?');
  const keys = query < 0 ? [] : [...new Set(new URLSearchParams(req.url.slice(query + 1)).keys())];
  return {
    method: req.method,
    route: req.routeOptions?.url ?? '(no route)',
    ...(keys.length ? { queryKeys: keys.map((k) => maskString(k).slice(0, 40)).slice(0, 20) } : {}),
    requestId: req.id,
  };
}

/**
 * pino with masking built in: every object logged and every message string is passed
 * through maskDeep/maskString, so a careless `log.info({ contact })` still leaks nothing.
 */
export function createLogger({ level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service: 'atende' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => maskDeep(object) as Record<string, unknown>,
      },
      serializers: {
        err: (err: Error) => {
          const out = pino.stdSerializers.err(err);
          return { ...out, message: maskString(out.message), stack: out.stack && maskString(out.stack) };
        },
        req: requestForLog,
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskString(a) : a)) as typeof args;
          return method.apply(this, masked);
        },
      },
    },
    destination,
  );
}
