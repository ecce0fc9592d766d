// Configuration is data, checked once at start-up: one zod schema over the environment.
// A bad value stops the process with a message naming the variable and what it expects.
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.ts';
import { BusinessHoursError, parseBusinessHours } from '../handoff/business-hours.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected a whole number between ${min} and ${max}` })
    .int({ error: `expected a whole number between ${min} and ${max}` })
    .min(min, { error: `expected a whole number between ${min} and ${max}` })
    .max(max, { error: `expected a whole number between ${min} and ${max}` });

const url = (protocols: string[]) =>
  z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`), error: `expected a ${protocols.join(' or ')} URL` });

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(0, 65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: optional(url(['postgres', 'postgresql'])),
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    REDIS_URL: optional(url(['redis', 'rediss'])),
    OLLAMA_HOST: url(['http', 'https']).default('http://127.0.0.1:11434'),
    OLLAMA_MODEL: z.string().min(1).default('llama3.1:8b'),
    LLM_TIMEOUT_MS: int(100, 600_000).default(30_000),
    // Resilience of LLM calls (SPEC §7): attempts in all (1 = no retry), first backoff delay
    // (doubled per retry, jittered), consecutive failed attempts that open the circuit breaker,
    // and how long it stays open before one trial call is let through.
    LLM_MAX_ATTEMPTS: int(1, 10).default(3),
    LLM_BACKOFF_MS: int(0, 60_000).default(1_000),
    LLM_BREAKER_THRESHOLD: int(1, 100).default(3),
    LLM_BREAKER_HALF_OPEN_MS: int(10, 3_600_000).default(30_000),
    // Voice notes (SPEC §11): an OpenAI-compatible transcription server (whisper.cpp, speaches,
    // LocalAI) at TRANSCRIPTION_URL (…/v1); unset: voice notes get a request to write instead.
    // Audio over the caps is not downloaded (when the channel tells its size or length first)
    // or not transcribed; the caps also bound how long a webhook waits for its transcript.
    TRANSCRIPTION_URL: optional(url(['http', 'https'])),
    TRANSCRIPTION_MODEL: z.string().min(1).max(200).default('whisper-1'),
    VOICE_MAX_BYTES: int(1_000, 100_000_000).default(10_000_000),
    VOICE_MAX_SECONDS: int(1, 3_600).default(300),
    MCP_URL: optional(url(['http', 'https'])),
    MCP_TOKEN: optional(z.string().min(16, { error: 'expected at least 16 characters' })),
    JWT_SECRET: optional(z.string().min(32, { error: 'expected at least 32 characters' })),
    ADMIN_EMAIL: optional(z.email({ error: 'expected an e-mail address' })),
    ADMIN_PASSWORD: optional(z.string().min(10, { error: 'expected at least 10 characters' })),
    CONVERSATION_TIMEOUT_MIN: int(1, 10_080).default(30),
    // Messages of an idle chat that arrive within this many ms of each other are answered as
    // one turn ("oi" / "Maria" / "11 9…" get one reply); 0 answers each message on its own.
    BURST_WINDOW_MS: int(0, 10_000).default(1_500),
    // Days the texts of a closed conversation are kept before the retention job purges them.
    CONVERSATION_RETENTION_DAYS: int(1, 3650).default(30),
    // Swagger UI and the OpenAPI document at /docs; off in production unless set to true.
    API_DOCS_ENABLED: optional(bool),
    // Web chat channel abuse limits: messages per session per minute, requests per IP per minute.
    WEB_CHAT_RATE_LIMIT_PER_MIN: int(1, 1_000_000).default(30),
    WEB_CHAT_IP_RATE_LIMIT_PER_MIN: int(1, 10_000_000).default(600),
    // Sites that may embed /chat (the widget's iframe): CSP frame-ancestors. Comma-separated
    // origins (https://www.example.org); empty: only atende's own pages.
    WEB_CHAT_ALLOWED_ORIGINS: z
      .string()
      .default('')
      .transform((v, ctx) => {
        const origins = v.split(',').map((o) => o.trim()).filter(Boolean);
        for (const o of origins) {
          let ok = false;
          try {
            const u = new URL(o);
            ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o.replace(/\/$/, '');
          } catch {
            // not a URL: reported below
          }
          if (!ok) ctx.addIssue({ code: 'custom', message: `expected comma-separated origins like https://www.example.org, got "${o}"` });
        }
        return origins.map((o) => o.replace(/\/$/, ''));
      }),
    // The organisation's privacy notice (LGPD), linked from the chat page.
    PRIVACY_NOTICE_URL: optional(url(['http', 'https'])),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    BODY_LIMIT_BYTES: int(1024, 10_485_760).default(1_048_576),
    LOGIN_RATE_LIMIT_PER_MIN: int(1, 10_000).default(10),
    // Which proxies' X-Forwarded-For to believe for the client IP (src/config/trust-proxy.ts).
    TRUST_PROXY: z
      .string()
      .default('false')
      .transform((v, ctx): TrustProxy => {
        const parsed = parseTrustProxy(v);
        if ('value' in parsed) return parsed.value;
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }),
    METRICS_TOKEN: optional(z.string().min(16, { error: 'expected at least 16 characters' })),
    WHATSAPP_BAILEYS_ENABLED: bool.default(false),
    // Names the Baileys login in the database (one WhatsApp number per session name).
    WHATSAPP_BAILEYS_SESSION: z.string().regex(/^[\w-]{1,64}$/, { error: 'expected 1-64 of A-Z a-z 0-9 _ -' }).default('default'),
    WHATSAPP_BAILEYS_ALLOW_GROUPS: bool.default(false),
    WHATSAPP_BAILEYS_PRINT_QR: bool.default(true),
    // Minutes an open Baileys socket may receive nothing (Baileys pings every 30 s, so a live
    // one never does) before it is closed and reconnected; 0 turns the watchdog off.
    WHATSAPP_WATCHDOG_MIN: int(0, 1_440).default(5),
    WHATSAPP_CLOUD_TOKEN: optional(z.string().min(1)),
    WHATSAPP_CLOUD_APP_SECRET: optional(z.string().min(1)),
    WHATSAPP_CLOUD_VERIFY_TOKEN: optional(z.string().min(1)),
    WHATSAPP_CLOUD_PHONE_NUMBER_ID: optional(z.string().regex(/^\d+$/, { error: 'expected the numeric phone number id' })),
    WHATSAPP_CLOUD_API_URL: url(['http', 'https']).default('https://graph.facebook.com/v23.0'),
    TELEGRAM_BOT_TOKEN: optional(z.string().regex(/^\d+:[\w-]+$/, { error: 'expected a bot token like 123456:ABC-DEF' })),
    TELEGRAM_WEBHOOK_SECRET: optional(z.string().regex(/^[\w-]{1,256}$/, { error: 'expected 1-256 of A-Z a-z 0-9 _ -' })),
    TELEGRAM_API_URL: url(['http', 'https']).default('https://api.telegram.org'),
    // webhook (needs a public HTTPS URL, see `npm run telegram:set-webhook`) or polling
    // (getUpdates; works behind NAT). Unset: webhook when TELEGRAM_WEBHOOK_SECRET is set.
    TELEGRAM_MODE: optional(z.enum(['webhook', 'polling'], { error: 'expected webhook or polling' })),
    TELEGRAM_WEBHOOK_URL: optional(url(['https'])),
    TELEGRAM_ALLOW_GROUPS: bool.default(false),
    SYNC_WEBHOOK_URL: optional(url(['http', 'https'])),
    SYNC_WEBHOOK_SECRET: optional(z.string().min(16, { error: 'expected at least 16 characters' })),
    SYNC_WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
    SYNC_MAX_ATTEMPTS: int(1, 50).default(8),
    // When staff answer handoffs (src/handoff/business-hours.ts): out of hours the handoff
    // reply says when someone will answer. Unset: no promise is made.
    HANDOFF_HOURS: optional(z.string().max(500)),
    HANDOFF_HOLIDAYS: optional(z.string().max(2000)),
    HANDOFF_TIMEZONE: z.string().min(1).default('America/Sao_Paulo'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'required when NODE_ENV=production (at least 32 random characters)' });
    }
    if (env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'required when ADMIN_EMAIL is set' });
    }
    if (env.ADMIN_PASSWORD && !env.ADMIN_EMAIL) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_EMAIL'], message: 'required when ADMIN_PASSWORD is set' });
    }
    const cloud = ['WHATSAPP_CLOUD_TOKEN', 'WHATSAPP_CLOUD_APP_SECRET', 'WHATSAPP_CLOUD_VERIFY_TOKEN', 'WHATSAPP_CLOUD_PHONE_NUMBER_ID'] as const;
    if (cloud.some((k) => env[k])) {
      for (const k of cloud) if (!env[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required when any WHATSAPP_CLOUD_* credential is set' });
    }
    if (env.TELEGRAM_MODE === 'webhook' && !env.TELEGRAM_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['TELEGRAM_WEBHOOK_SECRET'], message: 'required when TELEGRAM_MODE=webhook' });
    }
    if (env.SYNC_WEBHOOK_URL && !env.SYNC_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SYNC_WEBHOOK_SECRET'], message: 'required when SYNC_WEBHOOK_URL is set' });
    }
    if (env.HANDOFF_HOLIDAYS && !env.HANDOFF_HOURS) {
      ctx.addIssue({ code: 'custom', path: ['HANDOFF_HOLIDAYS'], message: 'needs HANDOFF_HOURS (holidays only matter with business hours)' });
    }
    if (env.HANDOFF_HOURS) {
      // Each part checked on its own, so the message names the variable that is wrong.
      for (const [variable, check] of [
        ['HANDOFF_TIMEZONE', () => parseBusinessHours('seg 08:00-09:00', '', env.HANDOFF_TIMEZONE)],
        ['HANDOFF_HOURS', () => parseBusinessHours(env.HANDOFF_HOURS!)],
        ['HANDOFF_HOLIDAYS', () => parseBusinessHours('seg 08:00-09:00', env.HANDOFF_HOLIDAYS ?? '')],
      ] as const) {
        try {
          check();
        } catch (err) {
          if (!(err instanceof BusinessHoursError)) throw err;
          ctx.addIssue({ code: 'custom', path: [variable], message: `${err.message}; expected e.g. ${variable === 'HANDOFF_HOLIDAYS' ? '2026-12-25,2027-01-01' : variable === 'HANDOFF_TIMEZONE' ? 'America/Sao_Paulo' : '"seg-sex 08:00-18:00; sab 08:00-12:00"'}` });
        }
      }
    }
  });

export type Config = z.infer<typeof envSchema>;

/** Variables earlier versions read, and why they no longer matter: told at start-up, so an
 * operator is not left tuning a knob that does nothing. */
const RETIRED: Record<string, string> = {
  DEDUPE_TTL_S: 'messages are deduplicated by the database key alone (no Redis marks to expire); remove it',
};

export function retiredVariables(env: NodeJS.ProcessEnv = process.env): { variable: string; message: string }[] {
  return Object.entries(RETIRED)
    .filter(([name]) => env[name] !== undefined && env[name] !== '')
    .map(([variable, message]) => ({ variable, message: `${variable} is no longer used: ${message}` }));
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    })),
  );
}

/** /docs is served unless turned off, and in production only when turned on explicitly. */
export const apiDocsEnabled = (config: Pick<Config, 'API_DOCS_ENABLED' | 'NODE_ENV'>): boolean => config.API_DOCS_ENABLED ?? config.NODE_ENV !== 'production';
