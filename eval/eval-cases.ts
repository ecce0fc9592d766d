// The labeled PT-BR data set of the extraction evaluation (extraction-cases.json): what a
// perfect extractor returns for each message. `reason` lists words of which the extracted
// reason must contain one (reasons are paraphrased, so they are not compared exactly); null
// means the field must come back empty (absent, malformed, injected or someone else's).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const evalCaseSchema = z.object({
  id: z.string().regex(/^c\d{3}$/),
  tags: z.array(z.string()).min(1),
  text: z.string().min(1),
  expect: z.object({
    name: z.string().nullable(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    reason: z.array(z.string().min(1)).min(1).nullable(),
  }),
});

export type EvalCase = z.infer<typeof evalCaseSchema>;

export const CASES_FILE = new URL('./extraction-cases.json', import.meta.url);

export function loadEvalCases(file: URL = CASES_FILE): EvalCase[] {
  return z.array(evalCaseSchema).parse(JSON.parse(readFileSync(file, 'utf8')));
}
