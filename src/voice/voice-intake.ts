// Puts voice notes into the turn like typed text: before a message reaches the inbox, its
// audio is transcribed and the transcript becomes its text; the kind stays "audio", which is
// how the conversation knows it was spoken ("Entendi do seu áudio: …"). The `media`
// reference is dropped either way, so neither the audio nor its download handle is stored.
// A voice note without a transcript is stored with empty text: the conversation then asks
// the person to write.
//
// This runs on the ack path of the channel (the webhook answers once stored), bounded by the
// per-attempt timeout × attempts: VOICE_MAX_SECONDS keeps the audio short enough for that.
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { InboundMessage, Intake } from '../../connectors/types.ts';
import { MAX_TEXT_LENGTH } from '../intake/inbound-validation.ts';
import type { VoiceNotes } from './voice-notes.ts';

export function withVoiceNotes(intake: Intake, connectors: ConnectorRegistry, voice: VoiceNotes): Intake {
  return {
    async receive(messages) {
      const ready = await Promise.all(messages.map((m) => transcribed(m, connectors, voice)));
      return intake.receive(ready);
    },
  };
}

async function transcribed(m: InboundMessage, connectors: ConnectorRegistry, voice: VoiceNotes): Promise<InboundMessage> {
  if (!m.media) return m;
  const { media, ...message } = m;
  // A caption typed with the audio is what the person wrote: it wins over guessing.
  if (message.kind !== 'audio' || message.text.trim()) return message;
  const text = await voice.transcribe(connectors.get(m.channel), m.channel, media);
  return text ? { ...message, text: text.slice(0, MAX_TEXT_LENGTH) } : message;
}
