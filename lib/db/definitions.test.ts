import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFINITION_FILES } from "./definitions";

// Where the database's rules may be written (docs/decisions/010-database-rules-in-features.md): each
// function and trigger in exactly one definition file, re-runnable, and none in a numbered migration.

const ROOT = process.cwd();
const MIGRATIONS = path.join(ROOT, "prisma/migrations");
const CREATED = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|TRIGGER|PROCEDURE)\s+(?:public\.)?"?(\w+)/gim;

function created(sql: string): string[] {
  return [...sql.matchAll(CREATED)].map((m) => `${m[1]!.toLowerCase()} ${m[2]}`);
}

const definitions = DEFINITION_FILES.map((name) => ({ name, sql: readFileSync(path.join(ROOT, name), "utf8") }));

describe("definition files", () => {
  it("are listed once each, live in a feature's sql/ folder, and every .sql file there is listed", () => {
    expect(new Set(DEFINITION_FILES).size).toBe(DEFINITION_FILES.length);
    for (const name of DEFINITION_FILES) expect(name).toMatch(/^lib\/[a-z-]+\/sql\/[a-z-]+\.sql$/);
    const onDisk = readdirSync(path.join(ROOT, "lib"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(ROOT, "lib", e.name, "sql")))
      .flatMap((e) => readdirSync(path.join(ROOT, "lib", e.name, "sql")).map((f) => `lib/${e.name}/sql/${f}`));
    expect(onDisk.sort()).toEqual([...DEFINITION_FILES].sort());
  });

  it("define each function and trigger exactly once, with statements that can run again", () => {
    const seen = new Map<string, string>();
    for (const d of definitions) {
      const names = created(d.sql);
      expect(names.length, d.name).toBeGreaterThan(0);
      for (const n of names) {
        expect(seen.get(n), `${n} is defined in ${seen.get(n)} and ${d.name}`).toBeUndefined();
        seen.set(n, d.name);
      }
      // Applied again whenever a file changes: plain CREATE of a function or trigger would fail then,
      // and tables, indexes, types and sequences belong in numbered migrations.
      expect(d.sql, d.name).not.toMatch(/^\s*CREATE\s+(?!OR\s+REPLACE\s+(FUNCTION|TRIGGER)\b)/im);
      expect(d.sql, d.name).not.toMatch(/^\s*(ALTER|DROP)\s+(TABLE|INDEX|TYPE|SEQUENCE)\b/im);
    }
    expect(seen.size).toBeGreaterThan(30);
  });

  it("each trigger comes after the function it runs, in its file or an earlier one", () => {
    const defined = new Set<string>();
    for (const d of definitions) {
      const statements = [...d.sql.matchAll(/^\s*CREATE OR REPLACE (FUNCTION|TRIGGER)\s+(\w+)[\s\S]*?(?:EXECUTE FUNCTION (\w+)|\$\$)/gim)];
      for (const [, kind, name, runs] of statements) {
        if (kind!.toUpperCase() === "FUNCTION") defined.add(name!);
        else expect(defined.has(runs!), `trigger ${name} runs ${runs}, defined later`).toBe(true);
      }
    }
  });

  it("numbered migrations create no function, procedure or trigger", () => {
    for (const folder of readdirSync(MIGRATIONS)) {
      for (const file of readdirSync(path.join(MIGRATIONS, folder))) {
        expect(created(readFileSync(path.join(MIGRATIONS, folder, file), "utf8")), `${folder}/${file}`).toEqual([]);
      }
    }
  });
});
