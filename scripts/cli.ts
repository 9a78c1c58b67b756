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
  npm run loupe -- serve [--port 3000]              start the web app (next start)
  npm run loupe -- user:add --email E --role R [--name N] [--password-stdin]
                                                    create a user; the password is prompted for, or read
                                                    from standard input with --password-stdin
  Roles: admin, reviewer, annotator.
${IMPORT_HELP}
${EXPORT_HELP}
${STORAGE_HELP}
`;

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(configFromEnv());
  try {
    await db.dedicated((r) => migrate(r, { log: (l) => console.log(`  ${l}`) }));
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
      const { values } = parseArgs({ args: rest, options: { port: { type: "string" } } });
      const port = values.port ?? process.env.PORT ?? "3000";
      const { getAuthSecret } = await import("../lib/auth/secret");
      const env = {
        ...process.env,
        NEXTAUTH_SECRET: getAuthSecret(),
        NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}`,
        NEXT_TELEMETRY_DISABLED: "1",
      };
      console.log(`Loupe on http://localhost:${port} (${getEnv().DATABASE_URL ? "PostgreSQL server" : "embedded database in " + getEnv().LOUPE_DATA_DIR})`);
      const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", port], { stdio: "inherit", env });
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
      child.on("exit", (code) => process.exit(code ?? 0));
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
