import { expect, test } from "./fixtures";

// Six pairs in one stratum (object / addition), all drawn (equal allocation, 6 from the stratum): four the
// keep rule keeps, two it drops. People accept 3 of the 4 kept (75.0%, Wilson 30.1–95.4%) and 1 of the 2
// dropped (50.0%, 9.5–90.5%). For a 50-point width: kept needs 9 labels at 0.75 (5 more, ⌈5 × 6/4⌉ = 8
// audit labels), dropped 12 at 0.5 (10 more, ⌈10 × 6/2⌉ = 30): 30, with nothing left in the sample.
const KEEP = { instruction_following: 3, editing_consistency: 3, generation_quality: 3 };
const DROP = { instruction_following: 1, editing_consistency: 1, generation_quality: 1 };
const PLAN = [
  [KEEP, "accept"],
  [KEEP, "accept"],
  [KEEP, "accept"],
  [KEEP, "reject"],
  [DROP, "reject"],
  [DROP, "accept"],
] as const;

test("an admin draws an audit round, reads the kept and dropped estimates and types a width to see the labels needed", async ({ asAdmin, db, seedPairs }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: PLAN.length });
  for (const [i, [scores]] of PLAN.entries()) {
    await db.query(`UPDATE pairs SET task = 'object', subtask = 'addition', verifier_scores = $2::jsonb WHERE id = $1`, [project.pairIds[i], JSON.stringify(scores)]);
  }

  await page.goto(`/admin/projects/${project.id}/quality`);
  await page.getByRole("navigation", { name: `Project ${project.name}` }).getByRole("link", { name: "Dataset quality" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Dataset quality in ${project.name}` })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No audit round yet" })).toBeVisible();

  const form = page.getByRole("form", { name: "Draw an audit round" });
  await form.getByRole("radio", { name: /Equal/ }).check();
  await form.getByRole("spinbutton", { name: "Sample size" }).fill("6");
  await form.getByRole("button", { name: "Draw a new round" }).click();
  await expect(form.getByRole("status")).toHaveText("Round 1 drew 6 of 6 pairs.");

  // People's final decisions on the drawn pairs.
  for (const [i, [, decision]] of PLAN.entries()) {
    await db.query(
      `UPDATE pairs SET status = 'final', final_decision = $2::"Decision", final_instruction = instruction, final_source = 'consensus',
                        finalized_at = now() WHERE id = $1`,
      [project.pairIds[i], decision],
    );
  }
  await page.reload();
  const kept = page.getByRole("region", { name: "Kept by the verifier" });
  await expect(kept).toContainText("75.0%");
  await expect(kept).toContainText("95% interval 30.1%–95.4%");
  const dropped = page.getByRole("region", { name: "Dropped by the verifier" });
  await expect(dropped).toContainText("50.0%");
  await expect(dropped).toContainText("95% interval 9.5%–90.5%");

  const width = page.getByRole("spinbutton", { name: "Interval width (percentage points)" });
  await width.fill("50");
  await width.press("Enter");
  await expect(page).toHaveURL(/width=50/);
  const table = page.getByRole("table", { name: "Audit estimates by task and subtask" });
  await expect(table.getByRole("columnheader", { name: "More audit labels for ±25 points" })).toBeVisible();
  const row = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "object / addition" }) });
  await expect(row.getByRole("cell").last()).toHaveText("30 (0 unlabelled in the sample)");
  // Kept: 5 more kept labels; dropped: 10 more.
  await expect(row.getByRole("cell").nth(7)).toHaveText("5");
  await expect(row.getByRole("cell").nth(12)).toHaveText("10");
});
