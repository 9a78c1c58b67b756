import type { SqlRunner } from "@/lib/db/sql";

// What the database contains in one schema, from pg_catalog, the same on PGlite and a server. Identifiers
// and "char" codes are cast to text so both drivers return plain strings.

export interface DbColumn {
  table: string;
  name: string;
  /** format_type() of the column, e.g. `text`, `character(64)`, `timestamp(3) with time zone`, `"Role"[]`. */
  type: string;
  /** For arrays the element type, else the type itself, formatted with the column's typmod. */
  baseType: string;
  baseTypeName: string;
  baseTypeSchema: string;
  /** pg_type.typtype of the (element) type: `e` for enums. */
  baseTypeKind: string;
  isArray: boolean;
  notNull: boolean;
  /** pg_get_expr() of the column default, or null. */
  default: string | null;
  /** The sequence owned by this column (SERIAL), or null. */
  ownedSequence: string | null;
  identity: string;
  generated: string;
}

export interface DbIndex {
  name: string;
  table: string;
  columns: string[];
  /** pg_index.indoption per key column; bit 1 = DESC, bit 2 = NULLS FIRST. */
  options: number[];
  unique: boolean;
  primary: boolean;
  method: string;
  predicate: string | null;
  hasExpressions: boolean;
  /** Constraint (p/u/x) this index backs, if any. */
  constraintName: string | null;
  definition: string;
}

export interface DbConstraint {
  name: string;
  table: string;
  /** p primary key, u unique, f foreign key, c check, x exclusion, t constraint trigger, n not-null. */
  type: string;
  columns: string[];
  refTable: string | null;
  refColumns: string[];
  /** confdeltype / confupdtype: a no action, r restrict, c cascade, n set null, d set default. */
  onDelete: string | null;
  onUpdate: string | null;
  definition: string;
}

export interface DbSnapshot {
  tables: { name: string; kind: string }[];
  columns: DbColumn[];
  enums: { name: string; values: string[] }[];
  indexes: DbIndex[];
  constraints: DbConstraint[];
  triggers: { name: string; table: string }[];
}

export async function introspect(db: SqlRunner, schema = "public"): Promise<DbSnapshot> {
  const tables = await db.query<{ name: string; kind: string }>(
    `SELECT c.relname::text AS name, c.relkind::text AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      ORDER BY 1`,
    [schema],
  );

  const columns = await db.query<DbColumn>(
    `SELECT c.relname::text AS "table",
            a.attname::text AS name,
            format_type(a.atttypid, a.atttypmod) AS type,
            format_type(bt.oid, a.atttypmod) AS "baseType",
            bt.typname::text AS "baseTypeName",
            btn.nspname::text AS "baseTypeSchema",
            bt.typtype::text AS "baseTypeKind",
            (t.typcategory = 'A') AS "isArray",
            a.attnotnull AS "notNull",
            pg_get_expr(d.adbin, d.adrelid) AS "default",
            pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS "ownedSequence",
            a.attidentity::text AS identity,
            a.attgenerated::text AS generated
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type bt ON bt.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
       JOIN pg_namespace btn ON btn.oid = bt.typnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [schema],
  );

  const enums = await db.query<{ name: string; values: string[] }>(
    `SELECT t.typname::text AS name,
            ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS "values"
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typtype = 'e'
      ORDER BY 1`,
    [schema],
  );

  const indexes = await db.query<DbIndex>(
    `SELECT i.relname::text AS name,
            c.relname::text AS "table",
            ARRAY(SELECT a.attname::text
                    FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                   WHERE k.ord <= x.indnkeyatts
                   ORDER BY k.ord) AS columns,
            ARRAY(SELECT o::int FROM unnest(x.indoption::int2[]) WITH ORDINALITY AS k(o, ord)
                   WHERE k.ord <= x.indnkeyatts ORDER BY k.ord) AS options,
            x.indisunique AS "unique",
            x.indisprimary AS "primary",
            am.amname::text AS method,
            pg_get_expr(x.indpred, x.indrelid) AS predicate,
            (x.indexprs IS NOT NULL OR x.indnatts <> x.indnkeyatts) AS "hasExpressions",
            con.conname::text AS "constraintName",
            pg_get_indexdef(x.indexrelid) AS definition
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_am am ON am.oid = i.relam
       LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid
                                  AND con.contype IN ('p', 'u', 'x')
      WHERE n.nspname = $1
      ORDER BY c.relname, i.relname`,
    [schema],
  );

  const constraints = await db.query<DbConstraint>(
    `SELECT con.conname::text AS name,
            c.relname::text AS "table",
            con.contype::text AS type,
            ARRAY(SELECT a.attname::text
                    FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                   ORDER BY k.ord) AS columns,
            fc.relname::text AS "refTable",
            ARRAY(SELECT a.attname::text
                    FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                   ORDER BY k.ord) AS "refColumns",
            CASE WHEN con.contype = 'f' THEN con.confdeltype::text END AS "onDelete",
            CASE WHEN con.contype = 'f' THEN con.confupdtype::text END AS "onUpdate",
            pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class fc ON fc.oid = con.confrelid
      WHERE n.nspname = $1 AND con.contype <> 'n'
      ORDER BY c.relname, con.conname`,
    [schema],
  );

  const triggers = await db.query<{ name: string; table: string }>(
    `SELECT t.tgname::text AS name, c.relname::text AS "table"
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT t.tgisinternal
      ORDER BY 2, 1`,
    [schema],
  );

  return { tables, columns, enums, indexes, constraints, triggers };
}
