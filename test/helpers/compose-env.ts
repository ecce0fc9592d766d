// The parts of `docker compose` the deployment tests need: read a .env file, and interpolate
// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$ as the Compose
// Specification describes (https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md).

export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Z_][A-Z0-9_]*)/g, (match, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    if (bare) return env[bare] ?? '';
    const v = env[name!];
    const missing = colon ? v === undefined || v === '' : v === undefined;
    if (op === '-') return missing ? arg! : v!;
    if (op === '?') {
      if (missing) throw new Error(`required variable ${name} is missing a value: ${arg}`);
      return v!;
    }
    return v ?? '';
  });
}
