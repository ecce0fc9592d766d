// A person answering whatever the bot asks (name, phone, e-mail, reason), on any channel,
// until it shows the confirmation summary.
export type Person = Record<'name' | 'phone' | 'email' | 'reason', string>;

export async function answerUntilSummary(say: (text: string) => Promise<string[]>, first: string[], person: Person): Promise<{ asked: string[]; summary: string }> {
  const asked: string[] = [];
  let replies = first;
  for (let turn = 0; turn < 10; turn++) {
    const last = replies.at(-1) ?? '';
    if (last.includes('Está correto?')) return { asked, summary: last };
    const field = /nome completo/.test(last) ? 'name' : /telefone/i.test(last) ? 'phone' : /e-mail/.test(last) ? 'email' : /motivo/.test(last) ? 'reason' : null;
    if (!field) throw new Error(`unexpected bot reply: ${last}`);
    asked.push(field);
    replies = await say(person[field]);
  }
  throw new Error(`no summary after 10 answers; asked ${asked.join(', ')}`);
}
