import { spawn } from "node:child_process";
import { expect, test } from "@playwright/test";

// `npm run soak -- --short` in CI (issue 17 point 9, decision 023): two web processes and a worker on a
// private PostgreSQL and an s3rver bucket, annotators over HTTP, an import and an export, and the faults —
// PostgreSQL restarted, kill -9 of a web process and of the worker inside the import and the export, the
// bucket gone for 10 s. The script checks the invariants itself and exits 1 on any violation; here its
// verdict and each invariant's line are asserted, so a failure shows which one broke.

test("the short soak keeps every invariant through its faults", async () => {
  test.setTimeout(420_000);
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/soak.ts", "--short", "--verbose"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  const verdicts = out.split("\n").filter((l) => /^(ok {2}|FAIL) /.test(l));
  expect(verdicts.filter((l) => l.startsWith("FAIL")), out).toEqual([]);
  for (const fault of ["kill -9 worker inside the import", "kill -9 web B", "PostgreSQL restarted", "kill -9 worker inside export", "bucket unreachable"]) {
    expect(out).toContain(`FAULT ${fault}`);
  }
  expect(verdicts.length).toBeGreaterThanOrEqual(10);
  expect(out).toMatch(/^soak: all \d+ invariants hold$/m);
  expect(code).toBe(0);
});
