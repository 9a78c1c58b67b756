// Starts the production build with `next start` (as `npm run loupe -- serve` does) against the bench
// database, in its own process group so it and anything it forks can be stopped by id.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import net from "node:net";
import http from "node:http";

export async function freePort(start: number): Promise<number> {
  for (let port = start; port < start + 100; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error(`no free port in ${start}…${start + 99}`);
}

export interface AppServer {
  port: number;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

function getOnce(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(2000, () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

export async function startApp(opts: {
  /** Unset: the embedded database, in LOUPE_DATA_DIR (give it in extraEnv). */
  databaseUrl?: string;
  port: number;
  /** Directory holding .next and node_modules (a snapshot from lib/build.ts). */
  cwd: string;
  poolSize: number;
  logFile: string;
  extraNodeArgs?: string[];
  extraEnv?: Record<string, string>;
}): Promise<AppServer> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    DATABASE_POOL_SIZE: String(opts.poolSize),
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    NEXTAUTH_URL: `http://localhost:${opts.port}`,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    ...opts.extraEnv,
  };
  if (!opts.databaseUrl) delete env.DATABASE_URL;
  const log = createWriteStream(opts.logFile);
  const child = spawn(
    process.execPath,
    [...(opts.extraNodeArgs ?? []), "node_modules/next/dist/bin/next", "start", "-p", String(opts.port)],
    { cwd: opts.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? -1));

  const stop = async () => {
    if (exited !== null || child.pid === undefined) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, 5000);
    await gone;
    clearTimeout(t);
  };

  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`next start exited with code ${exited}; see ${opts.logFile}`);
    if ((await getOnce(opts.port, "/api/health")) === 200) return { port: opts.port, child, logFile: opts.logFile, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`next start did not answer /api/health within 90 s; see ${opts.logFile}`);
}
