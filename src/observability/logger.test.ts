import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { maskString } from './mask.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination: stream }), text: () => lines.join('') };
}

describe('log masking (LGPD)', () => {
  it('masks e-mails and phone numbers written in any common format', () => {
    expect(maskString('maria.silva@exemplo.com.br')).toBe('m***@e***.br');
    for (const phone of ['+55 11 99999-8888', '(11) 99999-8888', '11999998888', '11 9999.98888']) {
      expect(maskString(`tel ${phone}!`)).toBe('tel ***88!');
    }
  });

  it('never writes personal data, whatever shape it is logged in', () => {
    const { logger, text } = capture();
    logger.info({ contact: { name: 'Maria Silva', phone: '+5511999998888', email: 'maria@exemplo.com', reason: 'apoio emocional' } }, 'saved');
    logger.warn('message from 11 98888-7777 about joao@exemplo.com');
    logger.error({ err: new Error('duplicate phone +5511977776666 for ana@x.com') }, 'failed');
    logger.info({ list: [{ text: 'Novo contato: Maria Silva, tel 11 99999-8888' }] });
    const out = text();
    for (const secret of ['Maria', '99999', '98888', '77776666', 'maria@', 'joao@', 'ana@', 'apoio emocional']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('***88');
    expect(out).toContain('[masked]');
  });

  it('keeps what operators need: levels, messages, ids and counts', () => {
    const { logger, text } = capture();
    logger.info({ conversationId: 'c0ffee', count: 3, channel: 'web' }, 'processed');
    const record = JSON.parse(text());
    expect(record).toMatchObject({ level: 'info', msg: 'processed', conversationId: 'c0ffee', count: 3, channel: 'web', service: 'atende' });
  });
});
