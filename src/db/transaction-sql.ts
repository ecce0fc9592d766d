// Repositories take a SqlClient. Outside a transaction that is the Database (the one pool, or
// PGlite's one connection); inside one — an erasure that must be all or nothing across the
// contact, its conversations and the channels' tables — it is Prisma's interactive
// transaction, which owns the connection until it commits. This runs the same sql`` statements
// on that connection, so one write path serves both and nothing opens a second connection.
import type { Prisma } from '../generated/prisma/client.ts';
import { compile, type Fragment, type SqlClient } from './sql.ts';

export function sqlClientOf(tx: Prisma.TransactionClient): SqlClient {
  return {
    query: <T>(statement: Fragment) => {
      const s = compile(statement);
      return tx.$queryRawUnsafe<T[]>(s.text, ...s.values);
    },
  };
}
