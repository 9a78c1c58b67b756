import { test, expect } from "./fixtures";

test("an annotator sees a pair from a seeded project", async ({ asAnnotator, seedPairs }) => {
  const project = await seedPairs({ pairs: 3 });
  const { page } = asAnnotator;
  await page.goto("/");
  await page.getByRole("link", { name: `Annotate ${project.name}` }).click();
  await expect(page.getByTestId("instruction")).toContainText("[#1]");
  await expect(page.getByRole("button", { name: "Accept", exact: true })).toBeVisible();
});
