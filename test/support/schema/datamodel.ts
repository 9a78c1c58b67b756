import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// The subset of Prisma's DMMF datamodel (as returned by the schema engine's `get_dmmf`) that the
// schema comparison reads. Shapes follow @prisma/dmmf; only the fields used here are declared.

export type DmmfDefault =
  | { name: string; args: unknown[] } // autoincrement(), now(), dbgenerated("..."), uuid(), ...
  | string
  | number
  | boolean
  | unknown[];

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  hasDefaultValue: boolean;
  default?: DmmfDefault;
  nativeType?: [string, string[]] | null;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
  isUpdatedAt?: boolean;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  schema?: string | null;
  fields: DmmfField[];
}

export interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName: string | null }[];
}

export interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  isDefinedOnField: boolean;
  name?: string;
  dbName?: string;
  algorithm?: string;
  fields: { name: string; sortOrder?: "asc" | "desc"; length?: number; operatorClass?: string }[];
}

export interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

export const SCHEMA_PATH = path.resolve(process.cwd(), "prisma/schema.prisma");

interface SchemaWasm {
  get_dmmf(params: string): string;
}

/** Parses a schema with Prisma's own parser (@prisma/prisma-schema-wasm, as `prisma generate`); invalid ones throw. */
export function loadDatamodel(schemaPath = SCHEMA_PATH): Datamodel {
  return datamodelFromSource(readFileSync(schemaPath, "utf8"));
}

export function datamodelFromSource(prismaSchema: string): Datamodel {
  // CommonJS package; loaded through require so vitest hands it straight to Node.
  const wasm = createRequire(import.meta.url)("@prisma/prisma-schema-wasm") as SchemaWasm;
  let raw: string;
  try {
    raw = wasm.get_dmmf(JSON.stringify({ prismaSchema, noColor: true }));
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      /* not JSON: keep the raw text */
    }
    throw new Error(`Prisma could not parse the schema:\n${message}`);
  }
  const dmmf = JSON.parse(raw) as { datamodel: Datamodel };
  return dmmf.datamodel;
}

/** The database name of a model, field or enum: its @map/@@map if any, else its Prisma name. */
export function dbNameOf(x: { name: string; dbName?: string | null }): string {
  return x.dbName ?? x.name;
}
