import { createUser, expect, insertLabel, test, type TestUser } from "./fixtures";

// The agreement page's figures against statistics worked out by hand. Ann and Bo label five pairs, Cy the fifth:
//   1 accept/accept  2 accept/accept  3 reject/reject  4 accept/reject  5 recaption ×3
// Krippendorff's α: n = 11 pairable labels, n_accept 5, n_reject 3, n_recaption 3. Only pair 4
// disagrees: off-diagonal coincidences (m² − Σn²)/(m − 1) = (4 − 2)/1 = 2.
//   α = 1 − (n − 1)·2 / (n² − Σ n_c²) = 1 − 10·2 / (121 − 43) = 58/78 = 0.744
// Fleiss' κ: P̄ = (1 + 1 + 1 + 0 + 1)/5 = 0.8, P̄e = 43/121, κ = (0.8 − 43/121)/(1 − 43/121) = 0.690.
// Percent agreement: 0.8 = 80.0%.
// Cohen's κ Ann–Bo over 5 pairs: p_o = 4/5; Ann's marginals accept 3 reject 1 recaption 1, Bo's
//   2 / 2 / 1 → p_e = (3·2 + 1·2 + 1·1)/25 = 9/25; κ = (0.8 − 0.36)/0.64 = 0.6875 → 0.688.
// Cohen's κ Ann–Cy: one shared pair, both re-captions → undefined (single category).

test("an admin reads the decision's agreement, by variable and between annotators", async ({ asAdmin, db, seedPairs }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 5, overlap: 3 });
  const tag = Math.random().toString(36).slice(2, 6);
  const [ann, bo, cy] = await Promise.all(["Ann", "Bo", "Cy"].map((n) => createUser(db, "annotator", `${n} ${tag}`)));
  const label = (pair: number, who: TestUser, decision: "accept" | "reject" | "recaption") =>
    insertLabel(db, {
      projectId: project.id,
      pairId: project.pairIds[pair - 1]!,
      annotatorId: who.id,
      decision,
      reasons: decision === "reject" ? ["artifacts"] : [],
      recaption: decision === "recaption" ? "Make the sky orange" : undefined,
    });
  for (const [pair, a, b] of [[1, "accept", "accept"], [2, "accept", "accept"], [3, "reject", "reject"], [4, "accept", "reject"], [5, "recaption", "recaption"]] as const) {
    await label(pair, ann!, a);
    await label(pair, bo!, b);
  }
  await label(5, cy!, "recaption");

  await page.goto(`/admin/projects/${project.id}/quality/agreement`);
  await expect(page.getByRole("heading", { level: 1, name: `Agreement in ${project.name}` })).toBeVisible();
  await expect(page.getByRole("navigation", { name: `Project ${project.name}` }).getByRole("link", { name: "Agreement" })).toHaveAttribute(
    "aria-current",
    "page",
  );

  const headline = page.getByRole("region", { name: "Decision (accept / reject / re-caption), whole project" });
  const stat = (term: string) => headline.locator("div").filter({ has: page.getByRole("term").filter({ hasText: term }) }).getByRole("definition").first();
  await expect(stat("Krippendorff's α")).toHaveText("0.744");
  await expect(stat("Fleiss' κ")).toHaveText("0.690");
  await expect(stat("Percent agreement")).toHaveText("80.0%");
  await expect(stat("Pairs compared")).toHaveText("5");
  await expect(headline.getByText("Decision labels are tentative (0.667 ≤ α < 0.800).")).toBeVisible();

  // The full table: the decision over the whole project, and a reason (artifacts, chosen on 3 labels).
  const table = page.getByRole("table", { name: /Agreement on every variable and scope/ });
  const decisionRow = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Decision", exact: true }) }).filter({ hasText: "Whole project" });
  await expect(decisionRow.getByRole("cell")).toHaveText(["Whole project", "5 / 5", "11", "80.0%", "0.690", "0.744"]);
  await expect(table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Artifacts or distortion" }) }).filter({ hasText: "Whole project" })).toBeVisible();

  // Sorting by keyboard: the α header sorts descending first.
  const alphaHeader = table.getByRole("columnheader", { name: /Krippendorff's α/ });
  await alphaHeader.getByRole("button").focus();
  await page.keyboard.press("Enter");
  await expect(alphaHeader).toHaveAttribute("aria-sort", "descending");
  await page.keyboard.press("Enter");
  await expect(alphaHeader).toHaveAttribute("aria-sort", "ascending");

  // Narrowing: the whole project only (the decision, 4 dimensions, 12 reasons), then reasons only.
  const figureRows = table.getByRole("row").filter({ has: page.getByRole("cell") });
  await page.getByLabel("Scopes").selectOption({ label: "Whole project" });
  await expect(figureRows).toHaveCount(17);
  await expect(figureRows.filter({ hasNotText: "Whole project" })).toHaveCount(0);
  await page.getByLabel("Variables").selectOption({ label: "Reject reasons" });
  await expect(figureRows).toHaveCount(12);
  await expect(figureRows.filter({ has: page.getByRole("rowheader", { name: "Artifacts or distortion" }) })).toHaveCount(1);

  // The chart's numbers are in a table for screen readers: one row per task and per task + subtask.
  const scopes = await db.query<{ n: number }>(
    `SELECT (count(DISTINCT task) + count(DISTINCT (task, subtask)) FILTER (WHERE subtask IS NOT NULL))::int AS n
     FROM pairs WHERE project_id = $1 AND task IS NOT NULL`,
    [project.id],
  );
  const chartTable = page.getByRole("table", { name: "Krippendorff's α on the decision per task and subtask" });
  await expect(chartTable.getByRole("row")).toHaveCount(1 + scopes.rows[0]!.n);

  // The detail (every scope, a page at a time, and between annotators) opens on demand.
  await expect(page.getByRole("table", { name: /Cohen's κ/ })).toHaveCount(0);
  await page.getByRole("link", { name: /Show every variable by task and subtask/ }).click();
  await expect(page.getByRole("heading", { name: "Every variable by task and subtask" })).toBeVisible();

  // Cohen's κ between annotators: κ and n in each cell, undefined where only one category was used.
  const matrix = page.getByRole("table", { name: /Cohen's κ on the decision between annotators/ });
  const annRow = matrix.getByRole("row").filter({ has: page.getByRole("rowheader", { name: `Ann ${tag}` }) });
  const cells = annRow.getByRole("cell");
  const columns = await matrix.getByRole("columnheader").allTextContents();
  await expect(cells.nth(columns.indexOf(`Bo ${tag}`))).toHaveText("0.688n = 5");
  await expect(cells.nth(columns.indexOf(`Cy ${tag}`))).toHaveText("n/a (single category)n = 1");
});

test("a reviewer gets the 403 page on the agreement figures", async ({ asReviewer, seedPairs }) => {
  const project = await seedPairs({ pairs: 1 });
  const response = await asReviewer.page.goto(`/admin/projects/${project.id}/quality/agreement`);
  expect(response?.status()).toBe(403);
  await expect(asReviewer.page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(asReviewer.page.getByRole("heading", { name: /Agreement in/ })).toHaveCount(0);
});
