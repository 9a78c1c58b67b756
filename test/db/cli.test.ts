import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/lib/db/connect";
import { verifyPassword } from "@/lib/auth/password";
import { hashToken } from "@/lib/auth/token-format";

function cli(dataDir: string, args: string[], input?: string) {
  const env = { ...process.env, LOUPE_DATA_DIR: dataDir, DATABASE_URL: "" };
  const r = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/cli.ts", ...args], {
    env,
    input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("loupe CLI on the embedded database", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "loupe-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("user:add reads the password from stdin, stores a bcrypt hash and refuses a duplicate", async () => {
    const ok = cli(dir, ["user:add", "--email", "New.Person@Example.org", "--role", "reviewer", "--password-stdin"], "a-long-password\n");
    expect(ok.out).toMatch(/Created reviewer new.person@example.org/);
    expect(ok.code).toBe(0);
    const dup = cli(dir, ["user:add", "--email", "new.person@example.org", "--role", "admin", "--password-stdin"], "a-long-password\n");
    expect(dup.code).toBe(1);
    expect(dup.out).toMatch(/^Error: A user with email new.person@example.org already exists\./m);
    expect(dup.out).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    const bad = cli(dir, ["user:add", "--email", "x@example.org", "--role", "wizard", "--password-stdin"], "a-long-password\n");
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/role/);


    const db = await openDatabase({ kind: "embedded", dataDir: dir });
    try {
      const users = await db.prisma.user.findMany();
      expect(users.map((u) => [u.email, u.role])).toEqual([["new.person@example.org", "reviewer"]]);
      expect(await verifyPassword("a-long-password", users[0]!.passwordHash)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it("user:reset-link prints a one-time link for the user made above, stored only as its hash", async () => {
    const link = cli(dir, ["user:reset-link", "--email", "new.person@example.org"]);
    expect(link.code).toBe(0);
    const token = /\/reset\/([A-Za-z0-9_-]{43})\s*$/m.exec(link.out)?.[1];
    expect(token).toBeDefined();
    const db = await openDatabase({ kind: "embedded", dataDir: dir });
    try {
      const [user] = await db.prisma.user.findMany();
      expect((await db.prisma.passwordReset.findMany()).map((r) => [r.userId, r.tokenHash, r.usedAt])).toEqual([[user!.id, hashToken(token!), null]]);
    } finally {
      await db.close();
    }
  });

  it("refuses to open an embedded database another live process holds", () => {
    writeFileSync(path.join(dir, "pglite.pid"), String(process.pid)); // this test process is alive
    const r = cli(dir, ["db:migrate"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/open in another Loupe process/);
    rmSync(path.join(dir, "pglite.pid"));
    expect(cli(dir, ["db:migrate"]).code).toBe(0);
  });
});
