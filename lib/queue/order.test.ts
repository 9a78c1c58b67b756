import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_QUEUE_ORDER, isQueueOrder, QUEUE_ORDER_INFO, QUEUE_ORDERS } from "./order";
import { QUEUE_KEY_SETTINGS } from "./order-keys";
import { CLAIM_SQL } from "./sql";

const MIGRATION = readFileSync(path.join(process.cwd(), "prisma/migrations/20261201010000_queue_order/migration.sql"), "utf8");
// The audit order's migration widens the CHECK and adds its index.
const AUDIT_MIGRATION = readFileSync(path.join(process.cwd(), "prisma/migrations/20261206142000_audit_sample/migration.sql"), "utf8");
const KEYS_SQL = readFileSync(path.join(process.cwd(), "lib/queue/sql/queue-keys.sql"), "utf8");
const VERIFIER_SQL = readFileSync(path.join(process.cwd(), "lib/quality/sql/verifier.sql"), "utf8");

describe("queue orders", () => {
  it("are the ones the database's CHECK allows, import first and by default", () => {
    const check = /queue_order IN \(([^)]*)\)/.exec(AUDIT_MIGRATION)?.[1];
    expect(check?.split(",").map((s) => s.trim().replace(/'/g, ""))).toEqual([...QUEUE_ORDERS]);
    expect(DEFAULT_QUEUE_ORDER).toBe("import");
    expect(MIGRATION).toContain("queue_order TEXT NOT NULL DEFAULT 'import'");
    expect(QUEUE_ORDERS.every(isQueueOrder)).toBe(true);
    expect(isQueueOrder("random")).toBe(false);
    expect(isQueueOrder(undefined)).toBe(false);
  });

  it("order by project_id first and id last, the columns of an index the migration creates over open regular work", () => {
    for (const order of QUEUE_ORDERS) {
      const info = QUEUE_ORDER_INFO[order];
      const columns = info.orderBy.split(",").map((c) => c.trim().replace(/^p\./, ""));
      expect(columns[0]).toBe("project_id");
      expect(columns.at(-1)).toBe("id");
      expect(info.explain.length).toBeLessThan(200);
      if (order === "import") continue; // pairs_open_work_idx comes from the quality migration
      const extra = info.where ? ` AND ${info.where.replace(/^p\./, "")}` : "";
      const index = new RegExp(`CREATE INDEX ${info.index} ON pairs \\(([^)]*)\\)\\s+WHERE taken < wanted AND NOT is_gold${extra};`).exec(MIGRATION + AUDIT_MIGRATION);
      expect(index?.[1]?.split(",").map((c) => c.trim()), order).toEqual(columns);
    }
  });

  it("a change to exactly the settings the insert trigger reads recomputes the keys", () => {
    // The insert trigger reads the rule and the declaration; the outputs trigger, which decides whether
    // an inserted pair's output is the active version's copy, reads the active version.
    const read = /SELECT (pr\.[a-z_]+(?:, pr\.[a-z_]+)*) INTO rule, scales FROM projects/.exec(KEYS_SQL)?.[1];
    const columns = read?.split(",").map((c) => c.trim().replace(/^pr\./, "")) ?? [];
    const versions = VERIFIER_SQL.match(/pr\.verifier_version/g) ? ["verifier_version"] : [];
    const settings = QUEUE_KEY_SETTINGS.map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
    expect([...columns, ...versions].sort()).toEqual([...settings].sort());
  });

  it("the claim has one pick per order, each gated by the project's order and ordered by its index", () => {
    for (const order of QUEUE_ORDERS) {
      const cte = new RegExp(`regular_${order} AS \\(([\\s\\S]*?)FOR NO KEY UPDATE SKIP LOCKED\\n\\)`).exec(CLAIM_SQL)?.[1];
      expect(cte, order).toBeDefined();
      expect(cte).toContain(`(SELECT queue_order FROM qorder) = '${order}'`);
      expect(cte).toContain(`ORDER BY ${QUEUE_ORDER_INFO[order].orderBy}\n  LIMIT 1`);
      expect(cte).toContain("p.project_id >= $2 AND p.project_id <= $2 AND p.taken < p.wanted AND NOT p.is_gold");
      expect(CLAIM_SQL).toContain(`SELECT id FROM regular_${order}`);
    }
    expect(CLAIM_SQL.match(/ AS \(\n  SELECT p\.id FROM pairs p\n  WHERE p\.project_id >= \$2/g)).toHaveLength(QUEUE_ORDERS.length);
  });
});
