// One closing line for the whole `npm test` run, summed from the runners' JSON reports.
import { existsSync, readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const f of ["test-results/vitest-unit.json", "test-results/vitest-db.json"]) {
  if (!existsSync(f)) continue;
  const r = JSON.parse(readFileSync(f, "utf8"));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
if (existsSync("test-results/playwright.json")) {
  const s = JSON.parse(readFileSync("test-results/playwright.json", "utf8")).stats ?? {};
  passed += s.expected ?? 0;
  failed += (s.unexpected ?? 0) + (s.flaky ?? 0);
  skipped += s.skipped ?? 0;
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (failed > 0 || passed === 0) process.exit(1);
