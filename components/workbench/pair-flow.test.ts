import { describe, expect, it } from "vitest";
import { ApiError } from "@/components/ui/api-client";
import {
  decisionVerb,
  endsWithin,
  excludeIds,
  imageUrl,
  MAX_RETRIES,
  charsLeft,
  forgetDecision,
  nextPairStatus,
  notSavedMessage,
  rememberDecision,
  rememberSkipped,
  retryDelayMs,
  sendWithRetry,
  upcomingPair,
} from "./pair-flow";

describe("claim exclusions", () => {
  it("leaves out the pair on screen first, then those the page keeps out", () => {
    expect(excludeIds("7", ["3", "4"])).toEqual(["7", "3", "4"]);
    expect(excludeIds(undefined, ["3"])).toEqual(["3"]);
    expect(excludeIds("7")).toEqual(["7"]);
    expect(excludeIds(undefined)).toEqual([]);
  });

  it("returns a new list the caller may keep", () => {
    const keptOut = ["3"];
    const ids = excludeIds(undefined, keptOut);
    ids.push("9");
    expect(keptOut).toEqual(["3"]);
  });

  it("remembers skipped pairs newest last, up to the limit", () => {
    expect(rememberSkipped([], "1")).toEqual(["1"]);
    expect(rememberSkipped(["1", "2", "3"], "4", 3)).toEqual(["2", "3", "4"]);
    const many = Array.from({ length: 150 }, (_, i) => String(i));
    const kept = rememberSkipped(many, "new");
    expect(kept).toHaveLength(150);
    expect(kept.at(0)).toBe("1");
    expect(kept.at(-1)).toBe("new");
  });
});

describe("the next pair to show", () => {
  const pair = { id: "5" };
  it("is the prefetched pair, or undefined / null as prefetched", () => {
    expect(upcomingPair(pair)).toBe(pair);
    expect(upcomingPair(null)).toBeNull();
    expect(upcomingPair(undefined)).toBeUndefined();
  });

  it("is claimed afresh (undefined) when the prefetched pair is stale", () => {
    expect(upcomingPair(pair, () => true)).toBeUndefined();
    expect(upcomingPair(pair, () => false)).toBe(pair);
    expect(upcomingPair(null, () => true)).toBeNull();
  });

  it("calls a claim stale when it ends within the margin", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(endsWithin("2026-01-01T12:00:29Z", now, 30_000)).toBe(true);
    expect(endsWithin("2026-01-01T11:59:00Z", now, 30_000)).toBe(true);
    expect(endsWithin("2026-01-01T12:00:30Z", now, 30_000)).toBe(false);
    expect(endsWithin("2026-01-01T12:10:00Z", now, 30_000)).toBe(false);
    expect(endsWithin("not a time", now, 30_000)).toBe(false);
  });
});

describe("retrying a submission", () => {
  const network = new TypeError("Failed to fetch");
  const answered = new ApiError("Conflict.", 409, "conflict");

  it("waits 300, 600 and 1200 ms after network failures, then gives up", () => {
    expect([0, 1, 2].map((a) => retryDelayMs(network, a))).toEqual([300, 600, 1200]);
    expect(retryDelayMs(network, MAX_RETRIES)).toBeNull();
  });

  it("never retries an answer from the server", () => {
    expect(retryDelayMs(answered, 0)).toBeNull();
  });

  it("sends again after a network failure and returns the first answer", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await sendWithRetry(async () => {
      calls += 1;
      if (calls < 3) throw network;
      return "saved";
    }, async (ms) => void waits.push(ms));
    expect(result).toBe("saved");
    expect(calls).toBe(3);
    expect(waits).toEqual([300, 600]);
  });

  it("throws the last network failure after four attempts", async () => {
    let calls = 0;
    const send = sendWithRetry(async () => {
      calls += 1;
      throw network;
    }, async () => {});
    await expect(send).rejects.toBe(network);
    expect(calls).toBe(MAX_RETRIES + 1);
  });

  it("throws an error answer at once", async () => {
    let calls = 0;
    const send = sendWithRetry(async () => {
      calls += 1;
      throw answered;
    }, async () => {});
    await expect(send).rejects.toBe(answered);
    expect(calls).toBe(1);
  });
});

describe("what the page says", () => {
  it("names the decision", () => {
    expect(decisionVerb("accept")).toBe("Accepted");
    expect(decisionVerb("reject")).toBe("Rejected");
    expect(decisionVerb("recaption")).toBe("Re-captioned");
  });

  it("says why a decision was not saved", () => {
    expect(notSavedMessage(new ApiError("The lease has expired.", 409))).toBe(
      "Your decision was not saved: The lease has expired. It is still on screen; try again.",
    );
    expect(notSavedMessage(new TypeError("Failed to fetch"))).toBe(
      "Your decision was not saved: Could not reach the server. It is still on screen; try again.",
    );
    // A refused input: the issues' messages, never their field paths.
    const invalid = new ApiError("recaption: Too long", 400, undefined, [{ path: "recaption", message: "A re-caption can be at most 4,000 characters." }]);
    expect(notSavedMessage(invalid)).toBe("Your decision was not saved: A re-caption can be at most 4,000 characters. It is still on screen; try again.");
  });

  it("counts characters left as the server does, and keeps a short history of decisions", () => {
    expect(charsLeft("  abc  ", 5)).toBe(2);
    expect(charsLeft("abcdef", 5)).toBe(-1);
    const entry = (pairId: string) => ({ pairId, decision: "accept" as const, instruction: "x", undoUntil: "", at: 0 });
    let h = [1, 2, 3].reduce((acc, n) => rememberDecision(acc, entry(String(n)), 2), [] as ReturnType<typeof rememberDecision>);
    expect(h.map((e) => e.pairId)).toEqual(["3", "2"]);
    h = rememberDecision(h, entry("2"));
    expect(h.map((e) => e.pairId)).toEqual(["2", "3"]);
    expect(forgetDecision(h, "2").map((e) => e.pairId)).toEqual(["3"]);
  });

  it("tells whether the next pair is ready", () => {
    expect(nextPairStatus({ id: "1" }, "Last pair")).toBe("Next pair ready");
    expect(nextPairStatus(null, "Last pair")).toBe("Last pair");
    expect(nextPairStatus(undefined, "Last pair")).toBe("Loading next…");
  });

  it("addresses images by their hash", () => {
    expect(imageUrl("ab".repeat(32))).toBe(`/api/images/${"ab".repeat(32)}`);
  });
});
