import { expect, test } from "./fixtures";

// The data browser: a filter narrows the list, a pair opens by keyboard and is promoted to gold, and a
// bulk action on the filter shows its count before it changes anything.

test("an admin filters pairs, opens one by keyboard, promotes it to gold and sends the rest to review in bulk", async ({ asAdmin, seedPairs, db }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 5 });
  const [a, b, c] = project.pairIds;
  const word = `zebra${Date.now().toString(36)}`;
  // Three settled pairs, two of them mentioning the word; one open pair mentions it too.
  await db.query(
    `UPDATE pairs SET status = 'final', final_decision = 'accept', final_source = 'consensus', finalized_at = now()
     WHERE id = ANY($1::bigint[])`,
    [[a, b, c]],
  );
  await db.query(`UPDATE pairs SET instruction = 'Paint the ' || $2 || ' blue' WHERE id = ANY($1::bigint[])`, [[a, b, project.pairIds[3]], word]);

  await page.goto(`/admin/projects/${project.id}/gold`);
  await page.getByRole("navigation", { name: `Project ${project.name}` }).getByRole("link", { name: "Pairs" }).click();
  await expect(page.getByRole("heading", { name: `Pairs in ${project.name}` })).toBeVisible();
  await expect(page.getByRole("table").getByRole("link", { name: /^Pair \d+$/ })).toHaveCount(5);

  await page.getByLabel("Search the instructions").fill(word);
  await page.getByRole("group", { name: "Status" }).getByLabel("Final").check();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`q=${word}.*status=final|status=final.*q=${word}`));
  const links = page.getByRole("table").getByRole("link", { name: /^Pair \d+$/ });
  await expect(links).toHaveCount(2);
  await expect(links.first()).toHaveText(`Pair ${b}`);

  await links.first().focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/admin/projects/${project.id}/pairs/${b}$`));
  await expect(page.getByRole("heading", { name: `Pair ${b}`, level: 1 })).toBeVisible();
  await expect(page.getByRole("img", { name: `Source image of pair ${b}` })).toBeVisible();
  await page.getByRole("button", { name: "Promote to gold" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Promoted" })).toHaveText("Promoted to gold: its final answer is now the expected one.");
  await expect(page.getByText("Active gold: expects Accept")).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "gold.promote" })).toContainText(`Promoted pair ${b} to gold`);
  expect((await db.query(`SELECT is_gold, gold_active FROM pairs WHERE id = $1`, [b])).rows[0]).toEqual({ is_gold: true, gold_active: true });

  await page.goBack();
  await page.reload();
  await page.getByRole("button", { name: "Send to review…" }).click();
  const dialog = page.getByRole("dialog", { name: "Send to review?" });
  await expect(dialog).toContainText(`This will send to review 1 pair matching: instruction matches “${word}” · final.`);
  await dialog.getByRole("button", { name: "Send to review (1)" }).click();
  await expect(page.getByRole("status").filter({ hasText: "changed" })).toHaveText("1 pair changed.");
  const states = await db.query<{ id: string; status: string }>(`SELECT id::text, status::text FROM pairs WHERE id = ANY($1::bigint[]) ORDER BY id`, [[a, b, c]]);
  expect(states.rows).toEqual([{ id: a, status: "in_review" }, { id: b, status: "final" }, { id: c, status: "final" }]);
});
