// Projects for teams (issue 16 point 4, decision 030): the server refuses work to non-members and on
// archived projects, the taxonomy keeps retired reasons, and deletion purges a project in batches.
// Run inside test/db/review.test.ts on its database (a fresh database per engine is the costly part).
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { claimNextPair } from "@/lib/queue/claim";
import { submitLabel } from "@/lib/queue/submit";
import { adjudicatePair, claimReviewPair } from "@/lib/review/service";
import { listReviewProjects } from "@/lib/review/queries";
import { listProjects } from "@/lib/projects/queries";
import { getTeam, renameProject, setArchived, setTeam, updateReasons } from "@/lib/projects/team";
import { getDeletionAccount, purgeProject, requestProjectDeletion } from "@/lib/projects/purge";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { storageAt } from "@/lib/storage/config";
import { exportPrefix } from "@/lib/storage/keys";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from "@/lib/errors";
import type { TestDatabase } from "./db";
import { makeProject, makeUsers } from "./fixtures";

export function describeProjectTeams(db: () => TestDatabase): void {
  describe("project teams", () => {
    let t: TestDatabase;
    let admin: number;
    beforeAll(async () => {
      t = db();
      admin = (await t.prisma.user.create({ data: { email: "admin@teams.test", name: "Admin", passwordHash: "x", role: "admin" } })).id;
    });

    async function reviewers(n: number, prefix: string) {
      const ids = await makeUsers(t, n, prefix);
      await t.prisma.user.updateMany({ where: { id: { in: ids } }, data: { role: "reviewer" } });
      return ids;
    }

    async function decide(userId: number, projectId: number, decision: "accept" | "reject", reasons: string[] = []) {
      const pair = await claimNextPair(t, { projectId, userId });
      expect(pair).not.toBeNull();
      return submitLabel(t, userId, { pairId: BigInt(pair!.id), submissionId: randomUUID(), decision, reasons, secondsSpent: 2 } as never);
    }

    it("keeps an existing project open to all until its team is set, then refuses non-members' claims", async () => {
      const project = await makeProject(t, { pairs: 6 });
      const [member, outsider] = await makeUsers(t, 2, "team");
      expect(await claimNextPair(t, { projectId: project.id, userId: outsider! })).not.toBeNull();

      await setTeam(t, admin, project.id, { restricted: true, members: [{ userId: member!, annotates: true, reviews: false }] });
      await expect(claimNextPair(t, { projectId: project.id, userId: outsider! })).rejects.toThrow(ForbiddenError);
      await expect(claimNextPair(t, { projectId: project.id, userId: outsider! })).rejects.toThrow(/not one of this project's annotators/);
      expect(await claimNextPair(t, { projectId: project.id, userId: member! })).not.toBeNull();
      expect(await claimNextPair(t, { projectId: project.id, userId: admin })).not.toBeNull();
      expect((await listProjects(t, { annotatorId: outsider! })).map((p) => p.id)).not.toContain(project.id);
      expect((await listProjects(t, { annotatorId: member! })).map((p) => p.id)).toContain(project.id);
      const team = await getTeam(t, project.id);
      expect(team.restricted).toBe(true);
      expect(team.people.find((p) => p.id === member)).toMatchObject({ annotates: true, reviews: false });

      // Opened again: everyone may work, members kept.
      await setTeam(t, admin, project.id, { restricted: false, members: [{ userId: member!, annotates: true, reviews: false }] });
      expect(await claimNextPair(t, { projectId: project.id, userId: outsider! })).not.toBeNull();
    });

    it("refuses a non-member reviewer's review claim and adjudication", async () => {
      const project = await makeProject(t, { pairs: 1, overlap: 2 });
      const [a, b] = await makeUsers(t, 2, "split");
      await decide(a!, project.id, "accept");
      await decide(b!, project.id, "reject", ["artifacts"]);
      const [inTeam, outside] = await reviewers(2, "rev");
      await setTeam(t, admin, project.id, { restricted: true, members: [{ userId: inTeam!, annotates: false, reviews: true }] });

      await expect(claimReviewPair(t, { projectId: project.id, reviewerId: outside! })).rejects.toThrow(/not one of this project's reviewers/);
      expect((await listReviewProjects(t, outside!)).map((p) => p.id)).not.toContain(project.id);
      const pair = await claimReviewPair(t, { projectId: project.id, reviewerId: inTeam! });
      expect(pair).not.toBeNull();
      await expect(
        adjudicatePair(t, { id: outside!, role: "reviewer" }, BigInt(pair!.id), { decision: "accept", reasons: [], submissionId: randomUUID() } as never),
      ).rejects.toThrow(ForbiddenError);
      // An annotator-only member is not a reviewer of it either.
      await expect(setTeam(t, admin, project.id, { restricted: true, members: [{ userId: a!, annotates: true, reviews: true }] })).rejects.toThrow(InvalidError);
    });

    it("makes an archived project read-only and hidden, until unarchived", async () => {
      const project = await makeProject(t, { pairs: 4 });
      const [ann] = await makeUsers(t, 1, "arch");
      const held = await claimNextPair(t, { projectId: project.id, userId: ann! });
      expect(held).not.toBeNull();
      await setArchived(t, admin, project.id, true);

      await expect(claimNextPair(t, { projectId: project.id, userId: ann! })).rejects.toThrow(/archived/);
      await expect(claimNextPair(t, { projectId: project.id, userId: admin })).rejects.toThrow(/archived/);
      await expect(
        submitLabel(t, ann!, { pairId: BigInt(held!.id), submissionId: randomUUID(), decision: "accept", reasons: [], secondsSpent: 1 } as never),
      ).rejects.toThrow(/archived/);
      expect((await listProjects(t, { annotatorId: ann! })).map((p) => p.id)).not.toContain(project.id);
      expect((await listProjects(t)).find((p) => p.id === project.id)?.archived).toBe(true);

      await setArchived(t, admin, project.id, false);
      expect(await claimNextPair(t, { projectId: project.id, userId: ann! })).not.toBeNull();
    });

    it("renames, refusing a name in use", async () => {
      const p1 = await makeProject(t, { pairs: 0, name: "First" });
      await makeProject(t, { pairs: 0, name: "Second" });
      await expect(renameProject(t, admin, p1.id, "Second")).rejects.toThrow(ConflictError);
      expect(await renameProject(t, admin, p1.id, "First, renamed")).toEqual({ id: p1.id, name: "First, renamed" });
    });

    it("edits the taxonomy: retired reasons stay in history but are refused in new decisions", async () => {
      const project = await makeProject(t, { pairs: 4 });
      const [ann] = await makeUsers(t, 1, "tax");
      await decide(ann!, project.id, "reject", ["artifacts"]);
      const edited = DEFAULT_REJECT_REASONS.map((r) =>
        r.code === "artifacts" ? { ...r, retired: true } : r.code === "text_wrong" ? { ...r, label: "Text garbled", dimension: "NC" as const } : r);
      await updateReasons(t, admin, project.id, [...edited, { code: "blurry_face", label: "Blurry face", dimension: "VQ" }]);

      await expect(decide(ann!, project.id, "reject", ["artifacts"])).rejects.toThrow(InvalidError);
      expect((await decide(ann!, project.id, "reject", ["blurry_face"])).label.reasons).toEqual(["blurry_face"]);
      const stored = await t.query<{ reasons: string[] }>(`SELECT reasons FROM labels WHERE project_id = $1 ORDER BY id`, [project.id]);
      expect(stored.map((r) => r.reasons)).toContainEqual(["artifacts"]);
      await expect(updateReasons(t, admin, project.id, edited.filter((r) => r.code !== "anatomy_error"))).rejects.toThrow(/only retired/);
    });

    it("deletes after the typed name, accounting first, purging in the background", async () => {
      const project = await makeProject(t, { pairs: 5, name: "Doomed" });
      const [ann] = await makeUsers(t, 1, "del");
      await decide(ann!, project.id, "accept");
      const account = await getDeletionAccount(t, project.id);
      expect(account).toMatchObject({ name: "Doomed", pairs: 5, labels: 1, exports: 0 });
      expect(account.images).toBeGreaterThan(0);
      await expect(requestProjectDeletion(t, admin, project.id, "doomed")).rejects.toThrow(InvalidError);

      await requestProjectDeletion(t, admin, project.id, "Doomed");
      expect((await listProjects(t)).map((p) => p.id)).not.toContain(project.id);
      await expect(claimNextPair(t, { projectId: project.id, userId: ann! })).rejects.toThrow(NotFoundError);
      // The name is free at once.
      await makeProject(t, { pairs: 0, name: "Doomed" });

      // Its exports' files go too (the rows go with the project).
      const dir = await mkdtemp(path.join(tmpdir(), "loupe-purge-"));
      const store = storageAt(dir);
      const [exp] = await t.query<{ id: string }>(
        `INSERT INTO exports (project_id, format, filters, options, status) VALUES ($1, 'canonical', '{}', '{}', 'failed') RETURNING id::text`,
        [project.id],
      );
      await store.put(`${exportPrefix(exp!.id)}data.jsonl`, Buffer.from("{}\n"));
      await store.put("exports/999999999/data.jsonl", Buffer.from("{}\n"));

      expect(await purgeProject(t, project.id, () => false, store)).toBe("done");
      expect(await store.head(`${exportPrefix(exp!.id)}data.jsonl`)).toBeNull();
      expect(await store.head("exports/999999999/data.jsonl")).not.toBeNull();
      await rm(dir, { recursive: true, force: true });
      expect(await t.query(`SELECT 1 FROM pairs WHERE project_id = $1`, [project.id])).toEqual([]);
      expect(await t.query(`SELECT 1 FROM projects WHERE id = $1`, [project.id])).toEqual([]);
    });
  });
}
