// Prisma CLI configuration. Only `prisma generate` is used from the CLI (see
// scripts/prisma-generate.mjs); migrations run through src/db/migrate.ts because the CLI's
// native schema engine cannot be downloaded on every machine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
