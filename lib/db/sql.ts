import type { PGlite, Transaction } from "@electric-sql/pglite";
import type pg from "pg";

// The smallest surface the migration runner, demo seeding and tests need, over both engines.
export interface SqlRunner {
  exec(sql: string): Promise<void>;
  /** `name` makes it a prepared statement on a server connection (planned once per connection). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], name?: string): Promise<T[]>;
}

export function runnerFromPglite(db: PGlite | Transaction): SqlRunner {
  return {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      const r = await db.query<T>(sql, params as unknown[]);
      return r.rows;
    },
  };
}

export function runnerFromPg(client: pg.Client | pg.PoolClient | pg.Pool): SqlRunner {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<T>(sql: string, params?: unknown[], name?: string) {
      const r = name ? await client.query({ name, text: sql, values: params as unknown[] }) : await client.query(sql, params as unknown[]);
      return r.rows as T[];
    },
  };
}

/** An int8 as the engines return it: a string from pg, a number from PGlite. Read it with Number() or BigInt(). */
export type TInt8 = string | number | bigint;
