import { describe, expect, it } from "vitest";
import { backoffDelay, createRedactor, parseRetryAfter, sleep } from "./retry-policy.js";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("reads delta-seconds, fractional seconds included", () => {
    expect(parseRetryAfter("2", 60_000, now)).toBe(2000);
    expect(parseRetryAfter(" 0.25 ", 60_000, now)).toBe(250);
    expect(parseRetryAfter("0", 60_000, now)).toBe(0);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", 60_000, now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", 60_000, now)).toBe(0);
  });

  it("clamps absurd values to the maximum", () => {
    expect(parseRetryAfter("9223372036854775807", 60_000, now)).toBe(60_000);
    expect(parseRetryAfter(`1${"0".repeat(400)}`, 5_000, now)).toBe(5_000);
    expect(parseRetryAfter("Fri, 01 Jan 2100 00:00:00 GMT", 60_000, now)).toBe(60_000);
  });

  it("ignores what it cannot read", () => {
    expect(parseRetryAfter(null, 60_000, now)).toBeUndefined();
    expect(parseRetryAfter("", 60_000, now)).toBeUndefined();
    expect(parseRetryAfter("soon", 60_000, now)).toBeUndefined();
    expect(parseRetryAfter("-5", 60_000, now)).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  it("doubles from the base: 1s, 2s, 4s ceilings with jitter in the upper half", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3].map((n) => backoffDelay(n, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000]);
  });

  it("never exceeds the maximum, even for late attempts", () => {
    expect(backoffDelay(40, 1000, 30_000, () => 1)).toBe(30_000);
  });
});

describe("sleep", () => {
  it("rejects with SYNC_ABORTED when aborted, before or during the wait", async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "SYNC_ABORTED" });
    await expect(sleep(10, controller.signal)).rejects.toMatchObject({ code: "SYNC_ABORTED" });
  });
});

describe("createRedactor", () => {
  it("replaces every occurrence of every secret", () => {
    const redact = createRedactor(["tok-123456", "QmFzaWM="]);
    expect(redact("a tok-123456 b QmFzaWM= c tok-123456")).toBe("a [REDACTED] b [REDACTED] c [REDACTED]");
  });
});
