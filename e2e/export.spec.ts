import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createUser, expect, insertLabel, test } from "./fixtures";

// An admin reaches the Export tab by keyboard, starts a canonical export, watches it finish, downloads one
// line per final pair (and the manifest's checksum); a reviewer is refused by the page and the API.

test("an admin runs a canonical export from the Export tab by keyboard and downloads the file", async ({ asAdmin, db, seedPairs }) => {
  test.setTimeout(120_000);
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 12, overlap: 1 });
  const annotator = await createUser(db, "annotator");
  // One label each settles the pairs (overlap 1): 10 final, 2 left open.
  for (const [i, pairId] of project.pairIds.slice(0, 10).entries()) {
    await insertLabel(db, i % 3 === 1
      ? { pairId, annotatorId: annotator.id, decision: "reject", reasons: ["artifacts"] }
      : { pairId, annotatorId: annotator.id, decision: "accept" });
  }

  await page.goto(`/admin/projects/${project.id}/quality`);
  const tab = page.getByRole("navigation", { name: `Project ${project.name}` }).getByRole("link", { name: "Export" });
  await tab.focus();
  await expect(tab).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/admin/projects/${project.id}/export$`));
  await expect(page.getByRole("heading", { name: `Export ${project.name}` })).toBeVisible();
  await expect(page.getByText("10 final pairs.", { exact: false })).toBeVisible();

  const form = page.getByRole("form", { name: "New export" });
  // The matching count shows before starting, from the kept figures.
  await expect(form.getByText("10 matching final pairs.")).toBeVisible();
  await expect(form.getByLabel("Format")).toHaveValue("canonical");
  await form.getByLabel("Format").focus();
  // Tab on through the form to its submit button; every stop on the way is a labelled control.
  const start = form.getByRole("button", { name: "Start export" });
  for (let i = 0; i < 40 && !(await start.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(start).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(form.getByRole("status")).toContainText(/Export \d+ started: all final pairs\./);

  const bar = page.getByRole("progressbar", { name: /^Export \d+ progress$/ });
  await expect(bar).toHaveAttribute("aria-valuenow", "100", { timeout: 60_000 });
  const card = page.getByRole("article", { name: /^Export \d+$/ });
  await expect(card.getByText("Done")).toBeVisible();
  await expect(card.getByText("Exported 10 pairs as 10 records.")).toBeVisible();

  const [download] = await Promise.all([page.waitForEvent("download"), card.getByRole("link", { name: /^Download Export \d+$/ }).click()]);
  expect(download.suggestedFilename()).toMatch(/^export-\d+-canonical\.jsonl$/);
  const bytes = readFileSync((await download.path())!);
  const lines = bytes.toString("utf8").trim().split("\n");
  expect(lines).toHaveLength(10);
  const parsed = lines.map((l) => JSON.parse(l) as { pair_id: string; final: { decision: string }; labels: { annotator_id: number }[] });
  expect(parsed.map((l) => l.pair_id)).toEqual(project.pairIds.slice(0, 10));
  expect(parsed.filter((l) => l.final.decision === "reject")).toHaveLength(3);
  expect(parsed.every((l) => l.labels.length === 1 && l.labels[0]!.annotator_id === annotator.id)).toBe(true);

  const manifestHref = await card.getByRole("link", { name: /^Manifest of Export \d+$/ }).getAttribute("href");
  const manifest = (await (await page.request.get(manifestHref!)).json()) as { sha256: string; counts: { decision: Record<string, number> } };
  expect(manifest.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  expect(manifest.counts.decision).toEqual({ accept: 7, reject: 3 });
});

test("a reviewer is refused the Export page and the export API", async ({ asReviewer, seedPairs }) => {
  const { page } = asReviewer;
  const project = await seedPairs({ pairs: 1 });
  const response = await page.goto(`/admin/projects/${project.id}/export`);
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  const create = await page.request.post(`/api/projects/${project.id}/exports`, { data: { format: "canonical" } });
  expect(create.status()).toBe(403);
  expect(await create.json()).toMatchObject({ error: { code: "forbidden" } });
  expect((await page.request.get(`/api/projects/${project.id}/exports`)).status()).toBe(403);
  expect((await page.request.get("/api/exports/1/download")).status()).toBe(403);
  expect((await page.request.post(`/api/projects/${project.id}/export-filters`, { data: { name: "x", filters: {} } })).status()).toBe(403);
});
