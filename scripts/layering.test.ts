import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The layering rule (.dependency-cruiser.mjs) on a small tree that breaks it once in each forbidden way,
// beside files that keep to it: every break is reported by the right rule, and nothing else.

const REPO = process.cwd();
const CLI = path.join(REPO, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

const FILES: Record<string, string> = {
  "tsconfig.json": JSON.stringify({ compilerOptions: { module: "esnext", moduleResolution: "bundler", jsx: "react-jsx", paths: { "@/*": ["./*"] } } }),
  "lib/errors.ts": `export class AppError extends Error {}\n`,
  "lib/db/index.ts": `import "server-only";\nimport { AppError } from "../errors";\nexport const db = { AppError };\n`,
  "lib/audit/record.ts": `import "server-only";\nimport { db } from "../db";\nexport const record = () => db;\n`,
  "lib/queue/claim.ts": `import "server-only";\nimport { db } from "../db";\nimport { record } from "../audit/record";\nexport const claim = () => [db, record];\n`,
  "lib/queue/types.ts": `export type TPair = { id: string };\n`,
  "lib/quality/gold.ts": `import "server-only";\nimport { claim } from "../queue/claim";\nexport const gold = claim;\n`,
  "app/page.tsx": `import { claim } from "@/lib/queue/claim";\nexport default function Page() { return String(claim()); }\n`,
  "components/ok/view.tsx": `import type { TPair } from "@/lib/queue/types";\nexport function View(p: TPair) { return p.id; }\n`,
  "components/ok/list.tsx": `import { View } from "./view";\nexport const List = View;\n`,
  // Each file below breaks the layering once.
  "components/bad/uses-db.tsx": `import { db } from "@/lib/db";\nexport const x = db;\n`,
  "components/bad/uses-server-only.tsx": `import type { claim } from "@/lib/queue/claim";\nexport type X = typeof claim;\n`,
  "app/bad/client.tsx": `"use client";\nimport { gold } from "@/lib/quality/gold";\nexport const x = gold;\n`,
  "app/bad/route.ts": `import { db } from "@/lib/db";\nexport const GET = () => db;\n`,
  "lib/queue/renders.ts": `import { List } from "@/components/ok/list";\nexport const x = List;\n`,
  "lib/queue/routes.ts": `import Page from "@/app/page";\nexport const x = Page;\n`,
  "lib/db/feature.ts": `import type { TPair } from "../queue/types";\nexport type X = TPair;\n`,
  "lib/audit/upward.ts": `import { gold } from "../quality/gold";\nexport const x = gold;\n`,
  "lib/errors-helper.ts": `import { db } from "./db";\nexport const x = db;\n`,
  "components/loop/a.tsx": `import type { TB } from "./b";\nexport type TA = { b?: TB };\n`,
  "components/loop/b.tsx": `import type { TA } from "./a";\nexport type TB = { a?: TA };\n`,
};

type TViolation = { from: string; to: string; rule: { name: string } };

describe("the layering rule (npm run lint:layers)", () => {
  let root: string;
  let violations: TViolation[];

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "loupe-layering-"));
    for (const [file, text] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    const out = execFileSync(
      process.execPath,
      [CLI, "--config", path.join(REPO, ".dependency-cruiser.mjs"), "--output-type", "json", "app", "components", "lib"],
      { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    violations = (JSON.parse(out) as { summary: { violations: TViolation[] } }).summary.violations;
  }, 60_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const found = () => violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();

  it("reports each break by its rule, and nothing in the files that keep to the layering", () => {
    expect(found()).toEqual(
      [
        "ui-not-to-data-layer: components/bad/uses-db.tsx → lib/db/index.ts",
        "ui-not-to-data-layer: components/bad/uses-server-only.tsx → lib/queue/claim.ts",
        "ui-not-to-data-layer: app/bad/client.tsx → lib/quality/gold.ts",
        "app-not-to-db: app/bad/route.ts → lib/db/index.ts",
        "lib-not-to-routes-or-ui: lib/queue/renders.ts → components/ok/list.tsx",
        "lib-not-to-routes-or-ui: lib/queue/routes.ts → app/page.tsx",
        "lib-layers: lib/db/feature.ts → lib/queue/types.ts",
        "lib-layers: lib/audit/upward.ts → lib/quality/gold.ts",
        "lib-root-files-are-leaves: lib/errors-helper.ts → lib/db/index.ts",
        // One report per cycle, from its first file.
        "no-circular: components/loop/a.tsx → components/loop/b.tsx",
      ].sort(),
    );
  });

  it("a lib folder without a layer stops the check instead of passing unnoticed", () => {
    mkdirSync(path.join(root, "lib/newfeature"), { recursive: true });
    writeFileSync(path.join(root, "lib/newfeature/x.ts"), `export const x = 1;\n`);
    try {
      expect(() =>
        execFileSync(process.execPath, [CLI, "--config", path.join(REPO, ".dependency-cruiser.mjs"), "lib"], { cwd: root, stdio: "pipe" }),
      ).toThrow(/lib\/newfeature has no layer/);
    } finally {
      rmSync(path.join(root, "lib/newfeature"), { recursive: true, force: true });
    }
  }, 60_000);
});
