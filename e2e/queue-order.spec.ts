import type pg from "pg";
import { createUser, e2eEnv, expect, signInNewContext, test } from "./fixtures";
import { DEFAULT_REJECT_REASONS } from "../lib/projects/reasons";

// Queue order: the admin picks "verifier uncertainty first" on the settings page by keyboard, and an
// annotator is then served the pair nearest the keep rule first, not the first one imported.

async function projectWithScores(db: pg.Pool): Promise<{ id: number; name: string }> {
  const name = `E2E queue order ${Math.random().toString(36).slice(2, 8)}`;
  const p = await db.query<{ id: number }>(`INSERT INTO projects (name, reject_reasons) VALUES ($1, $2::jsonb) RETURNING id`, [
    name,
    JSON.stringify(DEFAULT_REJECT_REASONS),
  ]);
  const id = p.rows[0]!.id;
  // Keys under the default keep rule (IF ≥ 3, EC ≥ 2, GQ ≥ 2), as the insert trigger computes them:
  // #1 four score steps short, #2 no scores, #3 valid flag against its scores (0), #4 one step short.
  const scores: [number | null, number | null, number | null, boolean | null][] = [
    [1, 1, 1, null],
    [null, null, null, null],
    [3, 3, 3, false],
    [2, 2, 2, null],
  ];
  const images = e2eEnv().images;
  for (const [i, [fi, ec, gq, valid]] of scores.entries()) {
    const img = images[i % images.length]!;
    await db.query(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask,
                          verifier_scores, verifier_valid)
       VALUES ($1, $2, $3, $4, $5, $6, $7,
               jsonb_build_object('instruction_following', $8::int, 'editing_consistency', $9::int, 'generation_quality', $10::int), $11)`,
      [id, `qo-${i}`, img.source, img.edited, `${img.instruction} [#${i + 1}]`, img.task, img.subtask, fi, ec, gq, valid],
    );
  }
  return { id, name };
}

test("an admin switches the queue to verifier uncertainty by keyboard; the annotator gets the most uncertain pair first", async ({
  asAdmin,
  db,
  browser,
  baseURL,
}) => {
  const { page } = asAdmin;
  const project = await projectWithScores(db);
  await page.goto(`/admin/projects/${project.id}/settings`);
  const group = page.getByRole("group", { name: "Queue order" });
  await expect(group).toHaveAccessibleDescription(/How annotators are served the project's pairs/);
  const importOrder = group.getByRole("radio", { name: "Import order" });
  const uncertainty = group.getByRole("radio", { name: "Verifier uncertainty first" });
  await expect(importOrder).toBeChecked();
  await expect(uncertainty).toHaveAccessibleDescription(/fewest steps from flipping the keep rule/);
  await expect(group.getByRole("radio", { name: "Round robin over subtasks" })).toHaveAccessibleDescription(/rare subtasks reach people early/);

  // Tab into the group from the Guidelines box: focus lands on the checked option; an arrow key moves
  // and selects; Enter submits the form.
  await page.getByLabel("Guidelines").focus();
  await page.keyboard.press("Tab");
  await expect(importOrder).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(uncertainty).toBeFocused();
  await expect(uncertainty).toBeChecked();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toHaveText("Saved: queue order.");
  const stored = await db.query<{ queue_order: string }>(`SELECT queue_order FROM projects WHERE id = $1`, [project.id]);
  expect(stored.rows[0]!.queue_order).toBe("uncertainty");
  await page.reload();
  await expect(page.getByRole("radio", { name: "Verifier uncertainty first" })).toBeChecked();

  await page.goto("/admin/audit?action=project.updated");
  const row = page.getByRole("row").filter({ hasText: `project ${project.name} (#${project.id})` });
  await expect(row).toContainText("Settings changed: queue order import order → verifier uncertainty first");

  // The annotator sees #3 (its valid flag contradicts its scores) first, then #4 (one step short).
  const annotator = await createUser(db, "annotator");
  const { context, page: ann } = await signInNewContext(browser, annotator, { baseURL });
  try {
    await ann.goto(`/annotate/${project.id}`);
    await expect(ann.getByTestId("instruction")).toContainText("[#3]");
    await expect(ann.getByText("Next pair ready")).toBeVisible();
    await ann.keyboard.press("a");
    await expect(ann.getByTestId("instruction")).toContainText("[#4]");
  } finally {
    await context.close();
  }
});
