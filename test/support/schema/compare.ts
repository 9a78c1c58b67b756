import type { SqlRunner } from "@/lib/db/sql";
import { dbNameOf, type Datamodel, type DmmfEnum, type DmmfField, type DmmfModel } from "./datamodel";
import { introspect, type DbColumn } from "./introspect";

/**
 * Objects only the SQL migrations have, on purpose (Prisma cannot express partial indexes, CHECKs or
 * triggers; the runner's own table is no data model), by name with their table. Anything else beyond
 * schema.prisma is reported, and so is a listed object that no longer exists.
 */
export interface SqlOnlyObjects {
  /** Tables ignored entirely, with their columns, indexes and constraints. */
  tables: string[];
  indexes: Record<string, string>;
  checks: Record<string, string>;
  triggers: Record<string, string>;
}

/** Every difference between a Prisma datamodel and the database as a readable line; empty when they agree. */
export async function compareSchema(
  dm: Datamodel,
  db: SqlRunner,
  sqlOnly: SqlOnlyObjects,
  schema = "public",
): Promise<string[]> {
  const snap = await introspect(db, schema);
  const out: string[] = [];
  const ignored = new Set(sqlOnly.tables);
  const enumsByName = new Map(dm.enums.map((e) => [e.name, e]));
  const modelsByName = new Map(dm.models.map((m) => [m.name, m]));

  const dbEnums = new Map(snap.enums.map((e) => [e.name, e.values]));
  for (const e of dm.enums) {
    const name = dbNameOf(e);
    const expected = e.values.map(dbNameOf);
    const actual = dbEnums.get(name);
    if (!actual) out.push(`enum ${name}: missing in database (expected values ${fmtList(expected)})`);
    else if (!sameList(expected, actual))
      out.push(`enum ${name}: values differ: schema ${fmtList(expected)}, database ${fmtList(actual)}`);
  }
  const declaredEnums = new Set(dm.enums.map(dbNameOf));
  for (const e of snap.enums) {
    if (!declaredEnums.has(e.name)) out.push(`enum ${e.name}: exists in database but not in schema.prisma`);
  }

  const dbTables = new Map(snap.tables.map((t) => [t.name, t.kind]));
  const declaredTables = new Set(dm.models.map(tableOf));
  for (const m of dm.models) {
    const table = tableOf(m);
    const kind = dbTables.get(table);
    if (!kind) out.push(`table ${table} (model ${m.name}): missing in database`);
    else if (kind !== "r" && kind !== "p") out.push(`table ${table} (model ${m.name}): is relkind '${kind}', not a table`);
  }
  for (const t of snap.tables) {
    if (!declaredTables.has(t.name) && !ignored.has(t.name))
      out.push(`table ${t.name}: exists in database (relkind '${t.kind}') but no model maps to it`);
  }
  for (const t of sqlOnly.tables) {
    if (!dbTables.has(t)) out.push(`table ${t}: listed as SQL-only but not in the database`);
  }

  const dbColumns = new Map(snap.columns.map((c) => [`${c.table}.${c.name}`, c]));
  for (const m of dm.models) {
    const table = tableOf(m);
    if (!dbTables.has(table)) continue; // already reported
    const declared = new Set<string>();
    for (const f of m.fields) {
      if (f.kind === "object") continue;
      const column = dbNameOf(f);
      declared.add(column);
      const where = `${table}.${column} (${m.name}.${f.name})`;
      if (f.kind === "unsupported") {
        out.push(`${where}: Unsupported(...) fields are not understood by this comparison; extend test/support/schema`);
        continue;
      }
      const col = dbColumns.get(`${table}.${column}`);
      if (!col) {
        out.push(`${where}: column missing in database`);
        continue;
      }
      checkType(f, col, enumsByName, schema, where, out);
      checkNullability(f, col, where, out);
      await checkDefault(f, col, enumsByName, db, where, out);
    }
    for (const c of snap.columns) {
      if (c.table === table && !declared.has(c.name))
        out.push(`${table}.${c.name}: column exists in database (${c.type}) but model ${m.name} has no field mapped to it`);
    }
  }

  const claimedIndexes = new Set<string>();
  const indexesOf = (table: string) => snap.indexes.filter((i) => i.table === table);
  for (const idx of dm.indexes) {
    const model = modelsByName.get(idx.model);
    if (!model) {
      out.push(`index on unknown model ${idx.model}`);
      continue;
    }
    const table = tableOf(model);
    if (!dbTables.has(table)) continue;
    const columns = idx.fields.map((f) => columnOf(model, f.name));
    const label = `${table} ${idx.type === "id" ? "primary key" : idx.type === "unique" ? "unique index" : "index"} (${columns.join(", ")})`;
    if (idx.type === "fulltext") {
      out.push(`${label}: fulltext indexes are not understood by this comparison; extend test/support/schema`);
      continue;
    }
    const candidates = indexesOf(table).filter((i) =>
      idx.type === "id" ? i.primary : idx.type === "unique" ? i.unique && !i.primary : !i.unique,
    );
    const match =
      candidates.find((i) => sameList(i.columns, columns) && i.predicate === null && !i.hasExpressions) ??
      (idx.type === "id" ? candidates[0] : undefined);
    if (!match) {
      const near = candidates.filter((i) => sameSet(i.columns, columns));
      out.push(
        `${label}: missing in database` +
          (near.length ? ` (closest: ${near.map((i) => i.definition).join("; ")})` : ""),
      );
      continue;
    }
    claimedIndexes.add(match.name);
    if (!sameList(match.columns, columns)) {
      out.push(`${label}: database primary key ${match.name} is on (${match.columns.join(", ")})`);
    }
    if (match.predicate !== null) out.push(`${label}: database index ${match.name} is partial (WHERE ${match.predicate})`);
    const expectedName = idx.dbName ?? prismaDefaultName(table, columns, idx.type);
    if (expectedName && match.name !== expectedName) {
      out.push(`${label}: named ${match.name} in database, schema (Prisma's naming) expects ${expectedName}`);
    }
    const method = (idx.algorithm ?? "BTree").toLowerCase();
    if (match.method !== method) out.push(`${label}: uses ${match.method} in database, schema expects ${method}`);
    idx.fields.forEach((f, n) => {
      const desc = ((match.options[n] ?? 0) & 1) === 1;
      if (desc !== (f.sortOrder === "desc"))
        out.push(`${label}: column ${columns[n]} is ${desc ? "DESC" : "ASC"} in database, schema expects ${f.sortOrder ?? "asc"}`);
    });
  }
  for (const m of dm.models) {
    const table = tableOf(m);
    if (dbTables.has(table) && !dm.indexes.some((i) => i.model === m.name && i.type === "id")) {
      for (const i of indexesOf(table).filter((x) => x.primary))
        out.push(`${table}: database has primary key ${i.name} but model ${m.name} declares no @id/@@id`);
    }
  }
  for (const i of snap.indexes) {
    if (ignored.has(i.table) || claimedIndexes.has(i.name)) continue;
    if (sqlOnly.indexes[i.name] === i.table) continue;
    out.push(`${i.table}: index ${i.name} is not declared in schema.prisma nor listed as SQL-only: ${i.definition}`);
  }
  for (const [name, table] of Object.entries(sqlOnly.indexes)) {
    if (!snap.indexes.some((i) => i.name === name && i.table === table))
      out.push(`${table}: index ${name} is listed as SQL-only but not in the database`);
  }

  const claimedConstraints = new Set<string>();
  for (const m of dm.models) {
    const table = tableOf(m);
    if (!dbTables.has(table)) continue;
    for (const f of m.fields) {
      if (f.kind !== "object" || !f.relationFromFields?.length) continue;
      const target = modelsByName.get(f.type);
      if (!target) continue;
      const columns = f.relationFromFields.map((n) => columnOf(m, n));
      const refTable = tableOf(target);
      const refColumns = (f.relationToFields ?? []).map((n) => columnOf(target, n));
      const label = `${table} foreign key (${columns.join(", ")}) → ${refTable}(${refColumns.join(", ")}) [${m.name}.${f.name}]`;
      const fks = snap.constraints.filter((c) => c.table === table && c.type === "f");
      const fk = fks.find((c) => sameList(c.columns, columns) && c.refTable === refTable);
      if (!fk) {
        const near = fks.filter((c) => sameSet(c.columns, columns));
        out.push(
          `${label}: missing in database` + (near.length ? ` (found: ${near.map((c) => `${c.name} ${c.definition}`).join("; ")})` : ""),
        );
        continue;
      }
      claimedConstraints.add(`${table}.${fk.name}`);
      if (!sameList(fk.refColumns, refColumns))
        out.push(`${label}: database ${fk.name} references ${fk.refTable}(${fk.refColumns.join(", ")})`);
      // Prisma's defaults when @relation names no action: SetNull if every local field is optional, else Restrict; onUpdate Cascade.
      const optional = f.relationFromFields.every((n) => !fieldOf(m, n).isRequired);
      const onDelete = f.relationOnDelete ?? (optional ? "SetNull" : "Restrict");
      const onUpdate = f.relationOnUpdate ?? "Cascade";
      if (ACTIONS[fk.onDelete ?? ""] !== onDelete)
        out.push(`${label}: ON DELETE ${ACTIONS[fk.onDelete ?? ""] ?? fk.onDelete} in database (${fk.name}), schema expects ${onDelete}`);
      if (ACTIONS[fk.onUpdate ?? ""] !== onUpdate)
        out.push(`${label}: ON UPDATE ${ACTIONS[fk.onUpdate ?? ""] ?? fk.onUpdate} in database (${fk.name}), schema expects ${onUpdate}`);
    }
  }

  // ---- every other constraint: PK/unique are covered by their indexes above --------------------
  for (const c of snap.constraints) {
    if (ignored.has(c.table) || claimedConstraints.has(`${c.table}.${c.name}`)) continue;
    if ((c.type === "p" || c.type === "u") && claimedIndexes.has(c.name)) continue;
    if (c.type === "c" && sqlOnly.checks[c.name] === c.table) continue;
    const what = { p: "primary key", u: "unique constraint", f: "foreign key", c: "CHECK constraint", x: "exclusion constraint", t: "constraint trigger" }[c.type] ?? `constraint (${c.type})`;
    out.push(`${c.table}: ${what} ${c.name} is not declared in schema.prisma nor listed as SQL-only: ${c.definition}`);
  }
  for (const [name, table] of Object.entries(sqlOnly.checks)) {
    if (!snap.constraints.some((c) => c.type === "c" && c.name === name && c.table === table))
      out.push(`${table}: CHECK constraint ${name} is listed as SQL-only but not in the database`);
  }

  for (const t of snap.triggers) {
    if (ignored.has(t.table) || sqlOnly.triggers[t.name] === t.table) continue;
    out.push(`${t.table}: trigger ${t.name} is not listed as SQL-only`);
  }
  for (const [name, table] of Object.entries(sqlOnly.triggers)) {
    if (!snap.triggers.some((t) => t.name === name && t.table === table))
      out.push(`${table}: trigger ${name} is listed as SQL-only but not in the database`);
  }

  return out;
}

const ACTIONS: Record<string, string> = { a: "NoAction", r: "Restrict", c: "Cascade", n: "SetNull", d: "SetDefault" };

// Prisma's Postgres column types when a field has no @db attribute.
const DEFAULT_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

// @db.X(args) → format_type() spelling. A native type missing here is reported, never skipped.
function nativeTypeName(name: string, args: string[]): string | undefined {
  const p = args.length ? `(${args.join(",")})` : "";
  const simple: Record<string, string> = {
    Text: "text",
    Uuid: "uuid",
    Xml: "xml",
    Inet: "inet",
    Citext: "citext",
    SmallInt: "smallint",
    Integer: "integer",
    Oid: "oid",
    BigInt: "bigint",
    Real: "real",
    DoublePrecision: "double precision",
    Money: "money",
    Date: "date",
    Json: "json",
    JsonB: "jsonb",
    ByteA: "bytea",
    Boolean: "boolean",
  };
  if (name in simple) return simple[name];
  switch (name) {
    case "Char":
      return `character${p}`;
    case "VarChar":
      return `character varying${p}`;
    case "Bit":
      return `bit${p}`;
    case "VarBit":
      return `bit varying${p}`;
    case "Decimal":
      return `numeric${p}`;
    case "Timestamp":
      return `timestamp${p} without time zone`;
    case "Timestamptz":
      return `timestamp${p} with time zone`;
    case "Time":
      return `time${p} without time zone`;
    case "Timetz":
      return `time${p} with time zone`;
    default:
      return undefined;
  }
}

function checkType(
  f: DmmfField,
  col: DbColumn,
  enums: Map<string, DmmfEnum>,
  schema: string,
  where: string,
  out: string[],
) {
  const arr = f.isList ? "[]" : "";
  if (f.kind === "enum") {
    const e = enums.get(f.type);
    const name = e ? dbNameOf(e) : f.type;
    if (col.baseTypeKind !== "e" || col.baseTypeName !== name || col.baseTypeSchema !== schema || col.isArray !== f.isList)
      out.push(`${where}: type: schema ${f.type}${arr} expects enum "${name}"${arr}, database has ${col.type}`);
    return;
  }
  let expected: string | undefined;
  if (f.nativeType) {
    expected = nativeTypeName(f.nativeType[0], f.nativeType[1]);
    if (!expected) {
      out.push(`${where}: native type @db.${f.nativeType[0]} is not understood by this comparison; extend test/support/schema/compare.ts`);
      return;
    }
  } else {
    expected = DEFAULT_TYPES[f.type];
    if (!expected) {
      out.push(`${where}: Prisma type ${f.type} is not understood by this comparison; extend test/support/schema/compare.ts`);
      return;
    }
  }
  if (col.baseTypeKind === "e" || col.baseType !== expected || col.isArray !== f.isList) {
    const native = f.nativeType ? ` @db.${f.nativeType[0]}${f.nativeType[1].length ? `(${f.nativeType[1].join(",")})` : ""}` : "";
    out.push(`${where}: type: schema ${f.type}${arr}${native} expects ${expected}${arr}, database has ${col.type}`);
  }
  if (col.identity) out.push(`${where}: is an identity column (${col.identity}) in database; Prisma expects a plain or SERIAL column`);
  if (col.generated) out.push(`${where}: is a generated column in database; Prisma would try to write it`);
}

function checkNullability(f: DmmfField, col: DbColumn, where: string, out: string[]) {
  // List fields are always required in Prisma on Postgres; our SQL makes them NOT NULL.
  const required = f.isRequired || f.isList;
  if (required && !col.notNull) out.push(`${where}: nullability: schema says required, database column is nullable`);
  if (!required && col.notNull) out.push(`${where}: nullability: schema says optional (${f.type}?), database column is NOT NULL`);
}

const CLIENT_SIDE_DEFAULTS = new Set(["uuid", "cuid", "nanoid", "ulid"]);

async function checkDefault(
  f: DmmfField,
  col: DbColumn,
  enums: Map<string, DmmfEnum>,
  db: SqlRunner,
  where: string,
  out: string[],
) {
  const def = f.hasDefaultValue ? f.default : undefined;
  const fn = isFunctionDefault(def) ? def : undefined;
  const none = def === undefined || (fn !== undefined && CLIENT_SIDE_DEFAULTS.has(fn.name));
  const actual = col.default;
  if (none) {
    if (actual !== null) out.push(`${where}: default: database has DEFAULT ${actual}, schema declares none`);
    return;
  }
  if (actual === null) {
    out.push(`${where}: default: schema declares @default(${describeDefault(def)}), database column has no default`);
    return;
  }
  if (fn) {
    switch (fn.name) {
      case "autoincrement": {
        const m = /^nextval\('(.+)'::regclass\)$/.exec(actual);
        const seq = (s: string) => s.replace(/^public\./, "").replace(/"/g, "");
        if (!m) out.push(`${where}: default: schema says autoincrement(), database default is ${actual}`);
        else if (!col.ownedSequence || seq(col.ownedSequence) !== seq(m[1] ?? ""))
          out.push(`${where}: default: ${actual} uses a sequence not owned by this column (owned: ${col.ownedSequence ?? "none"})`);
        return;
      }
      case "now":
        if (actual !== "CURRENT_TIMESTAMP")
          out.push(`${where}: default: schema says now(), database default is ${actual} (expected CURRENT_TIMESTAMP)`);
        return;
      case "dbgenerated": {
        const expr = fn.args[0];
        if (typeof expr === "string" && actual !== expr)
          out.push(`${where}: default: schema says dbgenerated("${expr}"), database default is ${actual}`);
        return;
      }
      default:
        out.push(`${where}: default: @default(${fn.name}()) is not understood by this comparison; extend test/support/schema/compare.ts`);
        return;
    }
  }
  // A literal: ask the database whether its default expression equals the literal cast to the column type.
  const literal = toPgText(def, f, enums);
  try {
    const rows = await db.query<{ same: boolean }>(
      `SELECT ((${actual})::${col.type}) IS NOT DISTINCT FROM ($1::text)::${col.type} AS same`,
      [literal],
    );
    if (!rows[0]?.same)
      out.push(`${where}: default: schema says @default(${describeDefault(def)}), database default is ${actual}`);
  } catch (err) {
    out.push(
      `${where}: default: cannot compare @default(${describeDefault(def)}) with database default ${actual}: ${(err as Error).message}`,
    );
  }
}

function isFunctionDefault(d: unknown): d is { name: string; args: unknown[] } {
  return typeof d === "object" && d !== null && !Array.isArray(d) && "name" in d;
}

function describeDefault(d: unknown): string {
  if (isFunctionDefault(d)) return `${d.name}(${d.args.map((a) => JSON.stringify(a)).join(", ")})`;
  return JSON.stringify(d);
}

// The text form of a Prisma literal default, as PostgreSQL's input function for the column type reads it.
function toPgText(value: unknown, f: DmmfField, enums: Map<string, DmmfEnum>): string {
  const scalar = (v: unknown): string => {
    if (f.kind === "enum") {
      const e = enums.get(f.type);
      const val = e?.values.find((x) => x.name === v);
      return val ? dbNameOf(val) : String(v);
    }
    if (typeof v === "string") return v;
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  };
  if (Array.isArray(value)) {
    return `{${value.map((v) => `"${scalar(v).replace(/(["\\])/g, "\\$1")}"`).join(",")}}`;
  }
  return scalar(value);
}

function tableOf(m: DmmfModel): string {
  return dbNameOf(m);
}

function fieldOf(m: DmmfModel, name: string): DmmfField {
  const f = m.fields.find((x) => x.name === name);
  if (!f) throw new Error(`model ${m.name} has no field ${name}`);
  return f;
}

function columnOf(m: DmmfModel, field: string): string {
  return dbNameOf(fieldOf(m, field));
}

// Prisma's default constraint/index names (names over 63 bytes are truncated by Prisma; not checked).
function prismaDefaultName(table: string, columns: string[], type: "id" | "unique" | "normal"): string | undefined {
  const name = type === "id" ? `${table}_pkey` : `${table}_${columns.join("_")}_${type === "unique" ? "key" : "idx"}`;
  return Buffer.byteLength(name) <= 63 ? name : undefined;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function fmtList(xs: string[]): string {
  return `[${xs.join(", ")}]`;
}
