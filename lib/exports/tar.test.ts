import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tarDirectory, tarHeader } from "./tar";

describe("tarDirectory", () => {
  it("writes a ustar stream that tar lists and extracts byte for byte, long paths included", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "loupe-tar-"));
    try {
      const src = path.join(root, "src");
      const deep = `images/${"ab".repeat(30)}/${"c".repeat(70)}`;
      mkdirSync(path.join(src, deep), { recursive: true });
      writeFileSync(path.join(src, "data.jsonl"), '{"a":1}\n'.repeat(1000));
      writeFileSync(path.join(src, "empty.txt"), "");
      const png = Buffer.from(Array.from({ length: 1537 }, (_, i) => i % 251));
      writeFileSync(path.join(src, deep, "x.png"), png);
      const tarFile = path.join(root, "out.tar");
      writeFileSync(tarFile, Buffer.from(await new Response(tarDirectory(src, "export-7-gold-parquet")).arrayBuffer()));
      const listed = execFileSync("tar", ["-tf", tarFile], { encoding: "utf8" }).trim().split("\n");
      expect(listed).toContain("export-7-gold-parquet/data.jsonl");
      expect(listed).toContain("export-7-gold-parquet/empty.txt");
      expect(listed).toContain(`export-7-gold-parquet/${deep}/x.png`);
      const out = path.join(root, "out");
      mkdirSync(out);
      execFileSync("tar", ["-xf", tarFile, "-C", out]);
      expect(readFileSync(path.join(out, "export-7-gold-parquet", "data.jsonl"), "utf8")).toBe('{"a":1}\n'.repeat(1000));
      expect(readFileSync(path.join(out, "export-7-gold-parquet", deep, "x.png")).equals(png)).toBe(true);
      expect(readFileSync(path.join(out, "export-7-gold-parquet", "empty.txt")).length).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("checksums each header and writes sizes over 8 GiB in base 256", () => {
    const h = tarHeader("a/b.bin", { size: 9 * 1024 ** 3, mtime: new Date(0) });
    expect(h.length).toBe(512);
    expect(h[124]).toBe(0x80);
    expect(h.readBigUInt64BE(128)).toBe(BigInt(9 * 1024 ** 3));
    const stored = parseInt(h.subarray(148, 154).toString("ascii"), 8);
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    expect(stored).toBe(copy.reduce((s, b) => s + b, 0));
  });
});
