// Runs one `loupe` CLI command as `npm run loupe` does, in its own process group, timed from spawn to exit,
// with the peak resident set of every process in the tree from /proc. tsx re-spawns node with its loader,
// so the import runs in the wrapper's node child; both are reported, the child being the one that matters.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";

export interface ProcPeak {
  pid: number;
  ppid: number;
  depth: number;
  cmd: string;
  hwmKb: number;
}

export interface CliRun {
  code: number | null;
  seconds: number;
  /** Every process seen in the tree, with its VmHWM (peak RSS) at its last sample. */
  procs: ProcPeak[];
  output: string[];
}

let current: ChildProcess | undefined;

/** Stops a CLI still running (on SIGINT or a failure): its process group, by the id we started. */
export function killRunningCli(): void {
  const pid = current?.pid;
  if (pid && current?.exitCode === null) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
}

function readStatus(pid: number): { hwmKb: number; ppid: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(s);
    const ppid = /^PPid:\s+(\d+)/m.exec(s);
    return { hwmKb: hwm ? Number(hwm[1]) : 0, ppid: ppid ? Number(ppid[1]) : 0 };
  } catch {
    return null; // exited between listing and reading
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "?";
  }
}

/** Children of pid: /proc/<pid>/task/<tid>/children when the kernel has it, else a /proc scan. */
function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const s = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      if (s) out.push(...s.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    const out: number[] = [];
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      if (readStatus(Number(d))?.ppid === pid) out.push(Number(d));
    }
    return out;
  }
}

export async function runCli(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; nodeArgs?: string[]; echo?: (line: string) => void; sampleMs?: number },
): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn("node_modules/.bin/tsx", ["--conditions=react-server", "--max-old-space-size=256", "--max-semi-space-size=2", ...(opts.nodeArgs ?? []), "scripts/cli.ts", ...args], {
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group: killRunningCli stops the wrapper and its node child together
  });
  current = child;
  const procs = new Map<number, ProcPeak>();
  const sample = () => {
    if (!child.pid) return;
    const walk = (pid: number, depth: number) => {
      const st = readStatus(pid);
      if (!st) return;
      const known = procs.get(pid);
      if (known) known.hwmKb = Math.max(known.hwmKb, st.hwmKb);
      else procs.set(pid, { pid, ppid: st.ppid, depth, cmd: cmdline(pid), hwmKb: st.hwmKb });
      for (const c of childrenOf(pid)) walk(c, depth + 1);
    };
    walk(child.pid, 0);
  };
  const timer = setInterval(sample, opts.sampleMs ?? 200);
  sample();
  const output: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) =>
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line);
      opts.echo?.(line);
    });
  collect(child.stdout!);
  collect(child.stderr!);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c) => resolve(c));
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  current = undefined;
  return { code, seconds, procs: [...procs.values()], output };
}

/** The process that ran the command: the deepest node process in the tree (tsx's child), else the root. */
export function importProcess(run: CliRun): ProcPeak | undefined {
  const nodes = run.procs.filter((p) => /(^|\/)node(\s|$)/.test(p.cmd.split(" ")[0] ?? "") || p.cmd.includes("scripts/cli.ts"));
  return [...(nodes.length ? nodes : run.procs)].sort((a, b) => b.depth - a.depth || b.hwmKb - a.hwmKb)[0];
}
