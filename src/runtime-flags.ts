// V8 settings for this process, applied before anything compiles WebAssembly (server.ts imports
// this file first). Two WebAssembly modules run here: Prisma's query compiler and, embedded,
// PGlite's PostgreSQL. By default V8 compiles each twice — a quick baseline (Liftoff), then an
// optimized tier (TurboFan) for hot functions in the background — and keeps both. Baseline
// only, measured with bench:start on this machine kind: embedded idle RSS 320 → 228 MB and
// ready 5.8 → 3.5 s (no optimizing compile of PostgreSQL's hot functions at start); Prisma's
// first query 155 → 103 MB RSS and 1.1 s → 0.4 s. bench:turns -- --embedded, where PostgreSQL's
// WebAssembly is the hot path, measured within noise of the default (10.8–12.7 vs 11.8–12.8 ms
// of CPU per turn): its statements are short, and the optimizing tier's compile time is no
// longer spent.
import v8 from 'node:v8';

v8.setFlagsFromString('--liftoff-only');
