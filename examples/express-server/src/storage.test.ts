import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";
import { openStorage } from "./storage.js";

const dir = mkdtempSync(join(tmpdir(), "archon-storage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe("openStorage: the key ring is checked at start", () => {
  it("names the sources a changed key cannot decrypt, and never replaces a lost key silently", async () => {
    const first = await openStorage(loadConfig({}), dir, [], quiet);
    await first.credentials.put("eng", { type: "basic", email: "bot@example.com", apiToken: "s3cret-token" });
    await first.close();

    const otherKey = randomBytes(32).toString("base64");
    const notes: string[] = [];
    const changed = await openStorage(loadConfig({ ARCHON_CONFLUENCE_SECRET_KEY: otherKey }), dir, notes, quiet);
    await changed.close();
    expect(notes.join("\n")).toMatch(/credentials: sources eng cannot be decrypted with this key ring/);
    expect(notes.join("\n")).not.toContain("s3cret-token");

    await rm(join(dir, "secret.key"));
    const refused = await openStorage(loadConfig({}), dir, [], quiet).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(/holds credentials encrypted with key .*secret\.key is missing/);
  });
});
