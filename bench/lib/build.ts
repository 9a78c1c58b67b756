// The production build the app run serves. Other people (and CI) rebuild .next in this checkout, and
// a rebuild under a running `next start` breaks it mid-run, so the bench serves a private snapshot:
// .next (minus its cache) copied to a temp directory next to symlinks of what next start reads.
import { execSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a build in progress (.next/lock without BUILD_ID), then builds if there is still none. */
export async function ensureBuild(root: string, log: (l: string) => void): Promise<void> {
  const buildId = path.join(root, ".next/BUILD_ID");
  const lock = path.join(root, ".next/lock");
  const deadline = Date.now() + 10 * 60_000;
  let said = false;
  while (!existsSync(buildId) && existsSync(lock) && Date.now() < deadline) {
    if (!said) log("A `next build` is in progress in this checkout; waiting for it to finish…");
    said = true;
    await sleep(2000);
  }
  if (!existsSync(buildId)) {
    log("No production build (.next/BUILD_ID): running `npm run build` first…");
    execSync("npm run build", { cwd: root, stdio: "inherit" });
  }
}

export async function snapshotBuild(root: string, dir: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = readFileSync(path.join(root, ".next/BUILD_ID"), "utf8");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      cpSync(path.join(root, ".next"), path.join(dir, ".next"), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (src) => !src.startsWith(path.join(root, ".next/cache")) && !src.endsWith(".next/lock"),
      });
    } catch {
      await sleep(3000); // the build changed under the copy; try again
      continue;
    }
    const copied = path.join(dir, ".next/BUILD_ID");
    if (existsSync(copied) && readFileSync(copied, "utf8") === id && !existsSync(path.join(root, ".next/lock"))) {
      for (const name of ["node_modules", "package.json", "next.config.js", "prisma", "public", "lib"]) {
        if (existsSync(path.join(root, name))) symlinkSync(path.join(root, name), path.join(dir, name));
      }
      return dir;
    }
    await sleep(3000);
  }
  throw new Error("could not take a consistent copy of .next (a build kept changing it)");
}
