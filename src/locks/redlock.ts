// redlock 5.0.0-beta.2, loaded from its ESM build by file URL. Why not `import … from
// 'redlock'`: the package's types resolve only through a tsconfig `paths` entry pointing at
// its index.d.ts (ENVIRONMENT.md), and tsx honours `paths` at run time too — so under
// `npm start` the bare specifier loads the .d.ts and every method is missing. A file URL is
// not a bare specifier: no `paths`, the real module. Types still come from the `paths` entry.
import type * as RedlockTypes from 'redlock';

type RedlockModule = typeof RedlockTypes;

const file = new URL('../../node_modules/redlock/dist/esm/index.js', import.meta.url);
const loaded = (await import(file.href).catch(() => import('redlock'))) as RedlockModule;

export const Redlock = loaded.default;
export const { ExecutionError, ResourceLockedError } = loaded;
export type { Lock } from 'redlock';
