// The intended layering, checked by `npm run lint` (dependency-cruiser; docs/decisions/001, CODE_STYLE.md).
//   UI (components/, "use client" files) → lib/ modules that are not server-only; never lib/db.
//   app/ (routes) → lib/, never lib/db: handlers and pages get their database from lib/http and lib/auth/page.
//   lib/ → never app/ or components/; lib folders only import folders in lower layers (LIB_LAYERS).
//   No import cycles between files, type-only imports included.
// The file lists below are read from the tree the check runs in (process.cwd()), so the same config
// checks the repository and the fixture trees of scripts/layering.test.ts.
import fs from "node:fs";
import path from "node:path";

/**
 * lib's folders from the bottom layer up. A folder may import lib's root files (errors, env, params)
 * and folders in layers below its own, never one in its own layer or above, so no two folders can
 * import each other in a circle. A new folder must be given a layer here.
 */
const LIB_LAYERS = [
  ["db", "storage"],
  ["audit"],
  ["auth", "images"],
  ["http", "projects", "queue", "webhooks"],
  ["quality", "users"],
  ["calibration", "imports", "review"],
  ["audit-log", "exports", "pipeline-api"],
  ["browse"],
  ["jobs"],
];

const root = process.cwd();
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const SOURCE = /\.(ts|tsx)$/;

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "generated" && e.name !== "node_modules") walk(p, out);
    } else if (SOURCE.test(e.name)) out.push(path.relative(root, p).split(path.sep).join("/"));
  }
  return out;
}

/** Files whose first statement is the given directive or import (comments and blank lines skipped). */
function filesStartingWith(files, re) {
  return files.filter((f) => {
    const head = fs.readFileSync(path.join(root, f), "utf8").replace(/^(\s*(\/\/[^\n]*|\/\*[\s\S]*?\*\/))*\s*/, "");
    return re.test(head);
  });
}

const libFolders = fs.existsSync(path.join(root, "lib"))
  ? fs.readdirSync(path.join(root, "lib"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
  : [];
const layered = LIB_LAYERS.flat();
const unlayered = libFolders.filter((f) => !layered.includes(f));
if (unlayered.length) {
  throw new Error(`lib/${unlayered.join(", lib/")} has no layer: add it to LIB_LAYERS in .dependency-cruiser.mjs`);
}

const serverOnly = filesStartingWith(walk(path.join(root, "lib")), /^import\s+["']server-only["']/);
const clientFiles = filesStartingWith([...walk(path.join(root, "app")), ...walk(path.join(root, "components"))], /^["']use client["']/);
const anyOf = (files) => (files.length ? `^(${files.map(escape).join("|")})$` : "^$");

const layerRules = LIB_LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    const above = LIB_LAYERS.slice(i).flat().filter((f) => f !== folder);
    const below = LIB_LAYERS.slice(0, i).flat();
    return {
      name: "lib-layers",
      severity: "error",
      comment: `lib/${folder} may import ${below.length ? `lib/${below.join(", lib/")} and ` : ""}lib's root files only (LIB_LAYERS in .dependency-cruiser.mjs)`,
      from: { path: `^lib/${escape(folder)}/` },
      to: { path: `^lib/(${above.map(escape).join("|")})/` },
    };
  }),
);

/** @type {import('dependency-cruiser').IConfiguration} */
const config = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Files import each other in a circle (type-only imports count: they tie the files together just the same).",
      from: {},
      to: { circular: true },
    },
    {
      name: "ui-not-to-data-layer",
      severity: "error",
      comment: "UI (components/ and client components) never imports lib/db or a server-only lib module: move the shared types or pure code to a module without `import \"server-only\"`.",
      from: { path: ["^components/", anyOf(clientFiles)] },
      to: { path: ["^lib/db/", anyOf(serverOnly)] },
    },
    {
      name: "app-not-to-db",
      severity: "error",
      comment: "Routes never import lib/db: handlers get `db` from route()/action() (lib/http), pages from requirePage() (lib/auth/page.ts).",
      from: { path: "^app/" },
      to: { path: "^lib/db/" },
    },
    {
      name: "lib-not-to-routes-or-ui",
      severity: "error",
      comment: "The domain (lib/) never imports routes (app/) or UI (components/).",
      from: { path: "^lib/" },
      to: { path: "^(app|components)/" },
    },
    {
      name: "lib-root-files-are-leaves",
      severity: "error",
      comment: "lib's root files (errors, env, params) are the bottom of the domain: they import no lib folder.",
      from: { path: "^lib/[^/]+\\.tsx?$" },
      to: { path: "^lib/[^/]+/" },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.next|test-results|playwright-report)/|^lib/db/generated/" },
    moduleSystems: ["es6", "cjs"],
    // Type-only imports are dependencies too (cycles through types still tie files together).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
export default config;
