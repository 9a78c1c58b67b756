import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { encode } from "next-auth/jwt";

// A multi-host Loupe on one machine (decision 023): web processes with their own LOUPE_DATA_DIR (each one
// a "host"), LOUPE_JOBS=off, and worker processes, all on one PostgreSQL and one bucket. Used by the two-host
// browser test (e2e/multihost.spec.ts) and `npm run soak` (scripts/soak.ts). Needs `npm run build`.

export const CLUSTER_SECRET = "cluster-secret-not-for-production-0123456789";
// The plain (http) cookie next-auth sets; lib/auth/session.ts reads it when NEXTAUTH_URL is http.
export const SESSION_COOKIE = "next-auth.session-token";

/** A free TCP port on the loopback, found by listening on port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A session cookie as next-auth writes it at sign-in, signed with the cluster's shared NEXTAUTH_SECRET. */
export async function sessionCookieFor(userId: number, sessionVersion = 0): Promise<string> {
  const token = await encode({ token: { sub: String(userId), sv: sessionVersion }, secret: CLUSTER_SECRET, maxAge: 6 * 3600 });
  return `${SESSION_COOKIE}=${token}`;
}

export interface TProc {
  name: string;
  child: ChildProcess;
  /** The last lines it printed (for a failure's message). */
  tail(): string;
  exited: Promise<number | null>;
}

function track(name: string, child: ChildProcess, echo: boolean): TProc {
  let out = "";
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-8000);
    if (echo) process.stdout.write(b.toString().replace(/^(?=.)/gm, `[${name}] `));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { name, child, tail: () => out, exited };
}

export interface TClusterConfig {
  databaseUrl: string;
  /** The S3 client variables (test/support/s3.ts `env`) and LOUPE_STORAGE_URL. */
  storageEnv: Record<string, string>;
  /** Anything else every process gets (LOUPE_IMPORT_BATCH_ROWS, LOUPE_S3_INPLACE_BUCKETS, …). */
  extraEnv?: Record<string, string>;
  /** Echo the processes' output with their name in front. */
  echo?: boolean;
}

export interface TWeb extends TProc {
  base: string;
  port: number;
  dataDir: string;
}

/** Starts and restarts the processes of one cluster; stop() ends every one still running. */
export class Cluster {
  readonly procs = new Set<TProc>();
  constructor(private readonly cfg: TClusterConfig) {}

  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.cfg.storageEnv,
      ...this.cfg.extraEnv,
      DATABASE_URL: this.cfg.databaseUrl,
      NEXTAUTH_SECRET: CLUSTER_SECRET,
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
      ...extra,
    };
  }

  /** A web process serving pages and the API from the production build, running no jobs. */
  async startWeb(name: string, dataDir: string, port?: number): Promise<TWeb> {
    const p = port ?? (await freePort());
    const base = `http://127.0.0.1:${p}`;
    const child = spawn(process.execPath, ["scripts/web-server.mjs"], {
      env: this.env({ LOUPE_DATA_DIR: dataDir, LOUPE_JOBS: "off", PORT: String(p), LOUPE_HOST: "127.0.0.1", NEXTAUTH_URL: base }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const proc = { ...track(name, child, this.cfg.echo ?? false), base, port: p, dataDir };
    this.procs.add(proc);
    void proc.exited.then(() => this.procs.delete(proc));
    await waitHealthy(base, proc);
    return proc;
  }

  /** `npm run loupe -- worker`, with tsx as a loader (tsx's CLI relay would SIGKILL a busy child on SIGTERM). */
  startWorker(name: string, dataDir: string): TProc {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/cli.ts", "worker"], {
      env: this.env({ LOUPE_DATA_DIR: dataDir }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const proc = track(name, child, this.cfg.echo ?? false);
    this.procs.add(proc);
    void proc.exited.then(() => this.procs.delete(proc));
    return proc;
  }

  /** kill -9: no shutdown of any kind, as when a host dies. */
  async kill9(proc: TProc): Promise<void> {
    proc.child.kill("SIGKILL");
    await proc.exited;
  }

  async stop(): Promise<void> {
    const left = [...this.procs];
    for (const p of left) p.child.kill("SIGTERM");
    await Promise.all(
      left.map((p) =>
        Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000)).then(() => p.child.kill("SIGKILL"))]),
      ),
    );
  }
}

/** Waits for GET /api/health to answer 200 (the process up and its database reachable). */
export async function waitHealthy(base: string, proc?: TProc, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.tail()}`);
    const ok = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`${base} was not healthy within ${timeoutMs / 1000} s${proc ? `:\n${proc.tail()}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
