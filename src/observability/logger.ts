import pino, { type DestinationStream, type Logger } from 'pino';
import { maskDeep, maskString } from './mask.ts';

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Where JSON lines go; stdout by default (tests pass a capture stream). */
  destination?: DestinationStream;
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
        req: (req: { method: string; url: string; id: string; ip?: string }) => ({
          method: req.method,
          url: maskString(req.url),
          requestId: req.id,
        }),
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
