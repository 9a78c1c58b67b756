import type { Db } from "@/lib/db/connect";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";

const HASH = "0".repeat(64);

export async function makeUsers(db: Db, n: number, prefix = "ann"): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = await db.prisma.user.create({
      data: { email: `${prefix}${i}-${Math.random().toString(36).slice(2, 8)}@test.local`, name: `${prefix} ${i}`, passwordHash: "x", role: "annotator" },
    });
    ids.push(u.id);
  }
  return ids;
}

export async function makeProject(db: Db, opts: { pairs: number; overlap?: number; leaseSeconds?: number; name?: string }) {
  const overlap = opts.overlap ?? 1;
  const project = await db.prisma.project.create({
    data: {
      name: opts.name ?? `p-${Math.random().toString(36).slice(2, 10)}`,
      overlap,
      leaseSeconds: opts.leaseSeconds ?? 600,
      rejectReasons: DEFAULT_REJECT_REASONS,
    },
  });
  const rows = Array.from({ length: opts.pairs }, (_, i) => ({
    projectId: project.id,
    externalId: `e-${i}`,
    sourceImage: HASH,
    editedImage: HASH,
    instruction: `instruction ${i}`,
    task: "object",
    subtask: "addition",
    wanted: overlap,
  }));
  for (let i = 0; i < rows.length; i += 1000) await db.prisma.pair.createMany({ data: rows.slice(i, i + 1000) });
  return project;
}
