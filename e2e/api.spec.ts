import { randomUUID } from "node:crypto";
import { test, expect } from "./fixtures";

// The annotate API as the browser uses it, with the session cookie of a signed-in annotator:
// doubled and stale submissions are answered, never duplicated; bad input changes nothing.
test("doubled, stale and malformed submissions are answered without duplicates", async ({ asAnnotator, seedPairs, db }) => {
  const project = await seedPairs({ pairs: 3 });
  const api = asAnnotator.page.request;

  const claimed = await api.post(`/api/projects/${project.id}/next`, { data: {} });
  expect(claimed.status()).toBe(200);
  const { pair } = (await claimed.json()) as { pair: { id: string } };
  expect(project.pairIds).toContain(pair.id);

  const body = { pairId: pair.id, submissionId: randomUUID(), decision: "reject", reasons: ["artifacts"], secondsSpent: 2.5 };
  const [first, second] = await Promise.all([api.post("/api/labels", { data: body }), api.post("/api/labels", { data: body })]);
  expect([first.status(), second.status()]).toEqual([200, 200]);
  const a = (await first.json()) as { label: { id: string }; replayed: boolean };
  const b = (await second.json()) as { label: { id: string }; replayed: boolean };
  expect(a.label.id).toBe(b.label.id);
  expect([a.replayed, b.replayed].sort()).toEqual([false, true]);

  // a new submission id on the same, already decided pair is refused with a reason
  const again = await api.post("/api/labels", { data: { ...body, submissionId: randomUUID() } });
  expect(again.status()).toBe(409);
  expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/already decided/);

  // malformed input: clear messages, nothing written
  const noReason = await api.post("/api/labels", { data: { ...body, submissionId: randomUUID(), reasons: [] } });
  expect(noReason.status()).toBe(400);
  expect(((await noReason.json()) as { error: { message: string } }).error.message).toMatch(/at least one reason/);
  const notJson = await api.post("/api/labels", { data: "{oops", headers: { "content-type": "application/json" } });
  expect(notJson.status()).toBe(400);
  const badId = await api.post(`/api/projects/${project.id}/next`, { data: { exclude: "abc" } });
  expect(badId.status()).toBe(400);

  const other = project.pairIds.find((id) => id !== pair.id)!;
  const stale = await api.post("/api/labels", { data: { ...body, pairId: other, submissionId: randomUUID() } });
  expect(stale.status()).toBe(409);
  expect(((await stale.json()) as { error: { message: string } }).error.message).toMatch(/lease/);

  const labels = await db.query(`SELECT pair_id::text, reasons FROM labels WHERE project_id = $1`, [project.id]);
  expect(labels.rows).toEqual([{ pair_id: pair.id, reasons: ["artifacts"] }]);
});
