// Voice notes → text (issue 15 item 1). The channel's connector downloads the audio into
// memory, the transcription server turns it into Portuguese text, the bytes are dropped.
// Calls go through the same kind of timeout/retry/breaker policy as the LLM (its own breaker:
// a dead whisper must not stop extraction, nor the other way round). Every failure — off,
// too long, too big, download or server trouble — ends as "no text", and the conversation
// then asks the person, politely, to write instead.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Connector, InboundMedia } from '../../connectors/types.ts';
import type { Config } from '../config/env.ts';
import { LlmPolicy, llmPolicyOptions } from '../extraction/llm-policy.ts';
import type { Logger } from '../observability/logger.ts';
import { MediaTooLargeError } from './read-capped.ts';
import { TranscriptionClient } from './transcription-client.ts';

/** transcribed; empty: nothing audible; off: no TRANSCRIPTION_URL; too_long / too_large:
 * over the caps; no_download: the channel cannot fetch media; failed: download or server. */
export type TranscriptionOutcome = 'transcribed' | 'empty' | 'off' | 'too_long' | 'too_large' | 'no_download' | 'failed';

export interface VoiceLimits {
  maxBytes: number;
  maxSeconds: number;
}

export interface VoiceNotesDeps {
  /** Undefined when TRANSCRIPTION_URL is not set: voice notes are then answered with a request to write. */
  client?: TranscriptionClient;
  policy: LlmPolicy;
  limits: VoiceLimits;
  registry: Registry;
  logger: Logger;
}

export class VoiceNotes {
  private readonly outcomes: Counter<'channel' | 'outcome'>;
  private readonly seconds: Histogram<'channel'>;

  constructor(private readonly deps: VoiceNotesDeps) {
    this.outcomes = new Counter({
      name: 'atende_transcriptions_total',
      help: 'Voice notes by channel and outcome (transcribed, empty, off, too_long, too_large, no_download, failed)',
      labelNames: ['channel', 'outcome'] as const,
      registers: [deps.registry],
    });
    this.seconds = new Histogram({
      name: 'atende_transcription_seconds',
      help: 'Download plus transcription time of voice notes that were transcribed',
      labelNames: ['channel'] as const,
      buckets: [0.5, 1, 2, 5, 10, 20, 40, 80],
      registers: [deps.registry],
    });
  }

  get enabled(): boolean {
    return this.deps.client !== undefined;
  }

  get circuitOpen(): boolean {
    return this.deps.policy.circuitOpen;
  }

  /** The transcript, or undefined when there is none to give (the outcome is counted and logged). */
  async transcribe(connector: Connector | undefined, channel: string, media: InboundMedia): Promise<string | undefined> {
    const started = performance.now();
    const outcome = await this.attempt(connector, media).catch((err: unknown): { outcome: TranscriptionOutcome; text?: string } => {
      const tooLarge = err instanceof MediaTooLargeError;
      // Never the error text of a download (URLs may carry a token) nor of the words heard.
      this.deps.logger.warn({ event: 'transcription_failed', channel, reason: tooLarge ? 'too_large' : (err as Error).name }, 'voice note not transcribed');
      return { outcome: tooLarge ? 'too_large' : 'failed' };
    });
    this.outcomes.inc({ channel, outcome: outcome.outcome });
    if (outcome.outcome === 'transcribed') this.seconds.observe({ channel }, (performance.now() - started) / 1000);
    return outcome.text;
  }

  private async attempt(connector: Connector | undefined, media: InboundMedia): Promise<{ outcome: TranscriptionOutcome; text?: string }> {
    const { client, limits, policy } = this.deps;
    if (!client) return { outcome: 'off' };
    if (media.durationSec !== undefined && media.durationSec > limits.maxSeconds) return { outcome: 'too_long' };
    if (media.sizeBytes !== undefined && media.sizeBytes > limits.maxBytes) return { outcome: 'too_large' };
    if (!connector?.downloadMedia) return { outcome: 'no_download' };
    // The download is bounded by the same per-attempt timeout, but is not retried here: a
    // provider's media URL that fails once is unlikely to serve the next second.
    const download = AbortSignal.timeout(policy.options.timeoutMs);
    const audio = await connector.downloadMedia(media, { maxBytes: limits.maxBytes, signal: download });
    const text = await policy.execute((signal) => client.transcribe(audio, media.mimeType, signal));
    return text ? { outcome: 'transcribed', text } : { outcome: 'empty' };
  }
}

export function createVoiceNotes(config: Config, registry: Registry, logger: Logger): VoiceNotes {
  const client = config.TRANSCRIPTION_URL ? new TranscriptionClient({ url: config.TRANSCRIPTION_URL, model: config.TRANSCRIPTION_MODEL }) : undefined;
  return new VoiceNotes({
    client,
    policy: new LlmPolicy(llmPolicyOptions(config)),
    limits: { maxBytes: config.VOICE_MAX_BYTES, maxSeconds: config.VOICE_MAX_SECONDS },
    registry,
    logger,
  });
}
