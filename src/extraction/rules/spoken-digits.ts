// Voice transcripts write phone numbers in words ("onze nove oito oito sete…"). This turns a
// run of number words into digits so the phone rules can read it like a typed number.
import { foldForSearch } from '../../contacts/fields.ts';

const UNITS: Record<string, number> = {
  zero: 0, um: 1, uma: 1, dois: 2, duas: 2, tres: 3, quatro: 4, cinco: 5, seis: 6, meia: 6, sete: 7, oito: 8, nove: 9,
};
const TEENS: Record<string, number> = {
  dez: 10, onze: 11, doze: 12, treze: 13, catorze: 14, quatorze: 14, quinze: 15, dezesseis: 16, dezessete: 17, dezoito: 18, dezenove: 19,
};
const TENS: Record<string, number> = { vinte: 20, trinta: 30, quarenta: 40, cinquenta: 50, sessenta: 60, setenta: 70, oitenta: 80, noventa: 90 };

/** Digits of one number word ("onze" → "11"), or null. */
function digitsOf(word: string): string | null {
  const value = UNITS[word] ?? TEENS[word] ?? TENS[word];
  return value === undefined ? null : String(value);
}

/**
 * The text with every run of 4+ number words (digits also count) written as one digit string;
 * "vinte e um" is 21. Shorter runs are left alone: "dois filhos" is not a phone.
 */
export function spokenDigitsToText(text: string): string {
  const words = foldForSearch(text).split(/[\s,.;-]+/u).filter(Boolean);
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 4) out.push(run.join(''));
    else out.push(...run.map((d) => d));
    run = [];
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const tens = TENS[word];
    const next = words[i + 2];
    // "vinte e um": tens, "e", a unit.
    if (tens !== undefined && words[i + 1] === 'e' && next !== undefined && UNITS[next] !== undefined) {
      run.push(String(tens + (UNITS[next] ?? 0)));
      i += 2;
      continue;
    }
    const digits = /^\d+$/.test(word) ? word : digitsOf(word);
    if (digits !== null) {
      run.push(digits);
      continue;
    }
    flush();
    out.push(word);
  }
  flush();
  return out.join(' ');
}
