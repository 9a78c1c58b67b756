import type { SqlRunner } from "@/lib/db/sql";

export type TCatalog = Record<
  "tables" | "columns" | "constraints" | "indexes" | "functions" | "triggers" | "types" | "sequences" | "extensions",
  string[]
>;

/**
 * Everything the public schema defines, as sorted lines free of oids, so two databases built by
 * different routes can be compared with toEqual: tables with their storage options, columns in
 * order, constraints, indexes, function definitions (pg_get_functiondef, bodies included), triggers
 * (pg_get_triggerdef and whether enabled), enums, sequences and extensions.
 */
export async function readCatalog(r: SqlRunner): Promise<TCatalog> {
  const lines = async (sql: string) => (await r.query<{ line: string }>(sql)).map((x) => x.line).sort();
  return {
    tables: await lines(`
      SELECT format('%s %s %s %s', c.relname, c.relkind, c.relpersistence, coalesce(c.reloptions::text, '-')) AS line
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`),
    columns: await lines(`
      SELECT format('%s #%s %s %s%s default %s%s', c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
                    CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, coalesce(pg_get_expr(d.adbin, d.adrelid), '-'),
                    CASE WHEN a.attidentity <> '' OR a.attgenerated <> '' THEN ' ' || a.attidentity::text || a.attgenerated::text ELSE '' END) AS line
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped`),
    constraints: await lines(`
      SELECT format('%s %s %s %s', c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)) AS line
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'`),
    indexes: await lines(`SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public'`),
    functions: await lines(`
      SELECT pg_get_functiondef(p.oid) AS line FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')`),
    triggers: await lines(`
      SELECT format('%s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled) AS line
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND NOT t.tgisinternal`),
    types: await lines(`
      SELECT format('%s %s', t.typname, (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)) AS line
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'`),
    sequences: await lines(`
      SELECT format('%s %s start %s by %s %s..%s cycle=%s cache %s', sequencename, data_type, start_value, increment_by,
                    min_value, max_value, cycle, cache_size) AS line
      FROM pg_sequences WHERE schemaname = 'public'`),
    extensions: await lines(`SELECT extname::text AS line FROM pg_extension`),
  };
}

/** Names of the functions in the public schema. */
export function functionNames(catalog: TCatalog): string[] {
  return catalog.functions.map((f) => /FUNCTION public\.(\w+)\(/.exec(f)?.[1] ?? f).sort();
}

/** Names of the triggers in the public schema. */
export function triggerNames(catalog: TCatalog): string[] {
  return catalog.triggers.map((t) => /^CREATE (?:CONSTRAINT )?TRIGGER (\w+)/.exec(t)?.[1] ?? t).sort();
}
