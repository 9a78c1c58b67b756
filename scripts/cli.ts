// The Loupe command line: `npm run loupe -- <command> [options]`. Works on the embedded database and
// on DATABASE_URL alike, through the same modules the web app uses.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { getEnv } from "../lib/env";
import { openDatabase, type Db } from "../lib/db/connect";
import { configFromEnv } from "../lib/db/config";
import { migrate } from "../lib/db/migrate";
import { AppError } from "../lib/errors";
import { IMPORT_HELP, importCommand, importResume, projectAdd, projectList } from "./cli-import";
import { EXPORT_HELP, exportCommand } from "./cli-export";
import { STORAGE_HELP, storageMigrate } from "./cli-storage";

const HELP = `Loupe command line

  npm run loupe -- db:migrate                       apply pending migrations
  npm run loupe -- demo                             migrate, then create the demo users and project (once)
  npm run loupe -- serve [--port 3000] [--host H]   start the web process (pages, API; background jobs unless
                                                    LOUPE_JOBS=off); every interface unless --host or LOUPE_HOST
                                                    (--demo: 127.0.0.1); refuses while demo accounts are
                                                    enabled beside real users or projects
  npm run loupe -- worker                           run background jobs only (imports, exports, webhook
                                                    deliveries); needs DATABASE_URL
  npm run loupe -- demo:disable                     disable the demo accounts (and hand back their pairs)
  npm run loupe -- user:add --email E --role R [--name N] [--password-stdin]
                                                    create a user; the password is prompted for, or read
                                                    from standard input with --password-stdin
  npm run loupe -- user:reset-link --email E         print a one-time link (24 h) that sets a new password;
                                                    using it signs the user out everywhere
  Roles: admin, reviewer, annotator.
${IMPORT_HELP}
${EXPORT_HELP}
${STORAGE_HELP}
`;

async function withDb<T>(fn: (db: Db) => Promise<T>, opts: { quiet?: boolean } = {}): Promise<T> {
  const db = await openDatabase(configFromEnv());
  try {
    await db.dedicated((r) => migrate(r, { log: opts.quiet ? () => {} : (l) => console.log(`  ${l}`) }));
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
      rl.question(q, (a) => resolve(a));
      out._writeToOutput = () => {};
    });
  process.stdout.write("Password: ");
  const a = await ask("");
  process.stdout.write("\nRepeat password: ");
  const b = await ask("");
  process.stdout.write("\n");
  rl.close();
  if (a !== b) throw new Error("The two passwords differ.");
  return a;
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case "db:migrate": {
      await withDb(async (db) => {
        console.log(`Database (${db.kind}) is up to date.`);
      });
      return;
    }
    case "demo": {
      const { seedDemo, DEMO_USERS, DEMO_PASSWORD } = await import("./demo/seed");
      const dataDir = getEnv().LOUPE_DATA_DIR;
      await withDb(async (db) => {
        const r = await seedDemo(db, dataDir, { log: (l) => console.log(`  ${l}`) });
        console.log(r.created ? `Demo project created with ${r.pairs} pairs.` : `Demo project already present (${r.pairs} pairs).`);
      });
      console.log("\nDemo accounts (password: %s)", DEMO_PASSWORD);
      for (const u of DEMO_USERS) console.log(`  ${u.role.padEnd(10)} ${u.email}`);
      console.log("");
      return;
    }
    case "serve": {
      const { values } = parseArgs({
        args: rest,
        options: { port: { type: "string" }, host: { type: "string" }, demo: { type: "boolean", default: false } },
      });
      const port = values.port ?? process.env.PORT ?? "3000";
      // The demo listens on this machine only: its accounts have a published password.
      const host = values.host ?? process.env.LOUPE_HOST ?? (values.demo ? "127.0.0.1" : undefined);
      const { demoAccountsBlockingServe } = await import("../lib/users/demo");
      const refusal = await withDb((db) => demoAccountsBlockingServe(db), { quiet: true });
      if (refusal) throw new AppError(refusal);
      const { getAuthSecret } = await import("../lib/auth/secret");
      const shownHost = host === undefined || host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
      const env = {
        ...process.env,
        NEXTAUTH_SECRET: getAuthSecret(),
        NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://${shownHost}:${port}`,
        NEXT_TELEMETRY_DISABLED: "1",
        NODE_ENV: "production" as const,
        PORT: port,
        LOUPE_HOST: host ?? "",
      };
      const where = host === undefined ? "every interface" : `${host} only`;
      console.log(`Loupe on http://${shownHost}:${port}, listening on ${where} (${getEnv().DATABASE_URL ? "PostgreSQL server" : "embedded database in " + getEnv().LOUPE_DATA_DIR})`);
      if (getEnv().LOUPE_JOBS === "off") console.log("LOUPE_JOBS=off: this process runs no background jobs; run `npm run loupe -- worker` somewhere.");
      const child = spawn(process.execPath, ["scripts/web-server.mjs"], { stdio: "inherit", env });
      // Passed on, not acted on: the web process paces its own shutdown (a second signal ends it at once).
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
      child.on("exit", (code) => process.exit(code ?? 0));
      return;
    }
    case "worker": {
      const { runWorker } = await import("./cli-worker");
      await runWorker();
      return;
    }
    case "demo:disable": {
      const { disableDemoAccounts } = await import("../lib/users/demo");
      await withDb(async (db) => {
        const off = await disableDemoAccounts(db);
        console.log(off.length === 0 ? "No demo account was enabled." : `Disabled the demo accounts: ${off.join(", ")}.`);
      });
      return;
    }
    case "user:add": {
      const { values } = parseArgs({
        args: rest,
        options: {
          email: { type: "string" },
          role: { type: "string" },
          name: { type: "string" },
          "password-stdin": { type: "boolean", default: false },
        },
      });
      if (!values.email || !values.role) throw new AppError("user:add needs --email and --role.");
      const { createUser, ZNewUser } = await import("../lib/users/service");
      const password = await readPassword(values["password-stdin"] ?? false);
      const input = ZNewUser.safeParse({
        email: values.email,
        role: values.role,
        name: values.name ?? values.email.split("@")[0],
        password,
      });
      if (!input.success) throw new AppError(input.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
      await withDb(async (db) => {
        const u = await createUser(db, null, input.data);
        console.log(`Created ${u.role} ${u.email} (id ${u.id}).`);
      });
      return;
    }
    case "user:reset-link": {
      const { values } = parseArgs({ args: rest, options: { email: { type: "string" } } });
      if (!values.email) throw new AppError("user:reset-link needs --email.");
      const { createResetLink } = await import("../lib/auth/sessions");
      await withDb(async (db) => {
        const user = await db.prisma.user.findUnique({ where: { email: values.email!.trim().toLowerCase() } });
        if (!user) throw new AppError(`No user has the email ${values.email}.`);
        const link = await createResetLink(db, null, user.id, "cli");
        console.log(`One-time reset link for ${link.email} (works once, for 24 hours):\n  ${link.url}`);
        if (!getEnv().NEXTAUTH_URL) console.log("  (NEXTAUTH_URL is not set: put Loupe's address in front of the path.)");
      });
      return;
    }
    case "project:add":
      await withDb((db) => projectAdd(db, rest));
      return;
    case "project:list":
      await withDb((db) => projectList(db));
      return;
    case "import":
      await withDb((db) => importCommand(db, rest));
      return;
    case "import:resume":
      await withDb((db) => importResume(db, rest));
      return;
    case "export":
      await withDb((db) => exportCommand(db, rest));
      return;
    case "storage:migrate":
      await withDb((db) => storageMigrate(db, rest));
      return;
    case undefined:
    case "help":
    case "--help":
      console.log(HELP);
      return;
    default:
      throw new AppError(`Unknown command "${command}".\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  // Expected failures print their message only; anything else is a bug worth a stack trace.
  const known = ["DatabaseLockedError", "MigrationError", "DemoRefusedError", "InvalidImageError", "ImportFileError"];
  const expected = err instanceof AppError || known.includes(err?.name) || known.includes(err?.constructor?.name);
  console.error(expected ? `Error: ${err.message}` : err);
  process.exit(1);
});
