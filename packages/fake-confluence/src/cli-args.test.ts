import { describe, expect, it } from "vitest";
import { faultsFromList, parseCliArgs } from "./cli-args.js";
import { fakeConfluenceOptionsSchema } from "./options.js";

describe("parseCliArgs", () => {
  it("maps the documented flags onto server options", () => {
    const options = parseCliArgs([
      "--pages",
      "4000",
      "--port",
      "8090",
      "--seed",
      "7",
      "--faults",
      "429,5xx,reset,clamp",
      "--latency",
      "50",
      "--deployment",
      "datacenter",
      "--context-path",
      "/confluence",
      "--demo",
    ]);
    expect(options).toMatchObject({
      deployment: "datacenter",
      port: 8090,
      seed: 7,
      contextPath: "/confluence",
      spaces: [{ key: "ENG", pages: 4000, seed: 7 }, { preset: "demo" }],
      faults: {
        seed: 7,
        latencyMs: 50,
        rateLimit: { capacity: 10 },
        serverError: { status: 503 },
        reset: { rate: 0.02 },
        clampLimit: 25,
      },
    });
    expect(fakeConfluenceOptionsSchema.safeParse(options).success).toBe(true);
  });

  it("defaults to a 4000-page Cloud space on port 8090", () => {
    expect(parseCliArgs([])).toMatchObject({ deployment: "cloud", port: 8090, spaces: [{ key: "ENG", pages: 4000 }] });
    expect(parseCliArgs(["--help"])).toBe("help");
  });

  it("loads a directory instead of generating", () => {
    expect(parseCliArgs(["--from-dir", "./docs", "--space-key", "DOCS"])).toMatchObject({
      spaces: [{ fromDir: "./docs", key: "DOCS" }],
    });
  });

  it.each([
    [["--pages", "many"], /--pages must be a non-negative integer/],
    [["--deployment", "server"], /--deployment must be cloud or datacenter/],
    [["--faults", "429,meteor"], /unknown fault "meteor"/],
    [["--bogus"], /Unknown option/],
  ])("rejects %j with a coded error", (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
    expect(() => parseCliArgs(argv)).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });

  it("builds every fault preset", () => {
    const all = faultsFromList("429-date,429-absurd,429-missing,malformed,slow,phantom,empty", 1);
    expect(all).toMatchObject({ malformedJson: { rate: 0.02 }, slow: { delayMs: 2000 }, phantomNext: { rate: 1 } });
    expect(all.rateLimit).toMatchObject({ retryAfter: "missing" });
  });
});
