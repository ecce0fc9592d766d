// A tiny conversation machine with the contract of fsm/ (input, message/resume events,
// outbox with deterministic keys, injected actors), for testing the runtime around it:
// it echoes each message, extracts when asked ("extrair …"), saves a contact ("salvar
// nome;telefone;motivo") and hands off ("atendente"). Keeps the runtime tests independent
// of the real flow's wording.
import { assign, fromPromise, setup } from 'xstate';
import type { ConversationMachine } from '../../fsm/machine.ts';

interface Ctx {
  outbox: { key: string; text: string }[];
  status: string;
  mode: string;
  count: number;
  pending?: { text: string; messageId: string };
}
type Ev = { type: 'message'; text: string; messageId: string; at: string } | { type: 'resume' } | { type: 'expire' };

const reply = (messageId: string, n: number, text: string) => ({ key: `${messageId}:${n}`, text });

const echoLogic = setup({
  types: {} as { context: Ctx; events: Ev; input: { mode: string } },
  actors: {
    extractContact: fromPromise<{ found: Record<string, string> }, { text: string }>(async () => {
      throw new Error('not provided');
    }),
    saveContact: fromPromise<{ id: string; protocol: string }, { fields: Record<string, string>; mode: string; idempotencyKey: string }>(async () => {
      throw new Error('not provided');
    }),
  },
}).createMachine({
  id: 'echo',
  context: ({ input }) => ({ outbox: [], status: 'active', mode: input.mode, count: 0 }),
  initial: 'idle',
  on: { expire: { target: '.done', actions: assign({ outbox: [{ key: 'expire:0', text: 'encerrado' }], status: 'expired' }) } },
  states: {
    idle: {
      on: {
        message: [
          {
            guard: ({ event }) => event.text.startsWith('extrair'),
            target: 'extracting',
            actions: assign({ outbox: [], pending: ({ event }) => ({ text: event.text, messageId: event.messageId }) }),
          },
          {
            guard: ({ event }) => event.text.startsWith('salvar'),
            target: 'saving',
            actions: assign({ outbox: [], pending: ({ event }) => ({ text: event.text, messageId: event.messageId }) }),
          },
          {
            guard: ({ event }) => event.text === 'atendente',
            target: 'handoff',
            actions: assign({ outbox: ({ event }) => [reply(event.messageId, 0, 'chamando uma pessoa')], status: 'handoff' }),
          },
          {
            actions: assign({
              count: ({ context }) => context.count + 1,
              outbox: ({ event, context }) => [reply(event.messageId, 0, `eco ${context.count + 1} (${context.mode}): ${event.text}`)],
            }),
          },
        ],
      },
    },
    handoff: {
      on: {
        message: { actions: assign({ outbox: [] }) },
        resume: { target: 'idle', actions: assign({ outbox: [{ key: 'resume:0', text: 'voltei' }], status: 'active' }) },
      },
    },
    extracting: {
      invoke: {
        src: 'extractContact',
        input: ({ context }) => ({ text: context.pending!.text }),
        onDone: { target: 'idle', actions: assign({ outbox: ({ context, event }) => [reply(context.pending!.messageId, 0, `extraído: ${JSON.stringify(event.output.found)}`)] }) },
        onError: { target: 'idle', actions: assign({ outbox: ({ context }) => [reply(context.pending!.messageId, 0, 'sem extração')] }) },
      },
    },
    saving: {
      invoke: {
        src: 'saveContact',
        input: ({ context }) => {
          const [name, phone, reason] = context.pending!.text.replace(/^salvar\s*/, '').split(';');
          return { fields: { name: name!, phone: phone!, reason: reason! }, mode: context.mode, idempotencyKey: `save:${context.pending!.messageId}` };
        },
        onDone: {
          target: 'done',
          actions: assign({ outbox: ({ context, event }) => [reply(context.pending!.messageId, 0, `salvo ${event.output.protocol}`)], status: 'completed' }),
        },
        onError: { target: 'idle', actions: assign({ outbox: ({ context }) => [reply(context.pending!.messageId, 0, 'erro ao salvar')] }) },
      },
    },
    done: { type: 'final' },
  },
});

/**
 * Run where the real machine runs: it takes the same input and events, invokes actors of the
 * same names with a subset of their inputs and reads a subset of their outputs, so the host
 * may treat it as the conversation machine.
 */
export const echoMachine = echoLogic as unknown as ConversationMachine;
