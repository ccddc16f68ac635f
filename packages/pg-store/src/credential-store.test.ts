import { randomBytes } from "node:crypto";
import { ConfluenceSyncError } from "@archon/confluence-core";
import { beforeEach, describe, expect, it } from "vitest";
import { keyRingFromEnv, PgCredentialStore } from "./credential-store.js";
import { sharedPgliteDatabase } from "./test-support.js";

const keyA = randomBytes(32).toString("base64");
const keyB = randomBytes(32).toString("base64");
const basic = { type: "basic", email: "ops@acme.test", apiToken: "ATATT-very-secret-token" } as const;

const database = sharedPgliteDatabase();
beforeEach(async () => {
  await (await database()).exec("TRUNCATE confluence_credentials");
});

describe("PgCredentialStore", () => {
  it("encrypts at rest; get decrypts, describe and list never show the token", async () => {
    const db = await database();
    const store = new PgCredentialStore(
      db,
      keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEY: keyA, ARCHON_CONFLUENCE_SECRET_KEY_ID: "k1" }),
    );
    await store.put("s", basic);
    await store.put("dc", { type: "bearer", token: "dc-personal-access-token" });
    const raw = JSON.stringify((await db.query("SELECT * FROM confluence_credentials")).rows);
    expect(raw).not.toContain("very-secret");
    expect(raw).not.toContain("dc-personal-access-token");
    expect(await store.get("s")).toEqual(basic);
    expect(await store.get("dc")).toEqual({ type: "bearer", token: "dc-personal-access-token" });
    expect(await store.describe("s")).toMatchObject({ type: "basic", email: "ops@acme.test", keyId: "k1" });
    const listing = await store.list();
    expect(listing.map((c) => c.sourceId)).toEqual(["dc", "s"]);
    expect(JSON.stringify(listing)).not.toMatch(/secret|access-token/);
    expect(await store.get("missing")).toBeNull();
    await store.delete("s");
    expect(await store.describe("s")).toBeNull();
  });

  it("rotates keys: old rows decrypt with the old key and are re-encrypted under the new one", async () => {
    const db = await database();
    await new PgCredentialStore(db, [{ id: "old", key: Buffer.from(keyA, "base64") }]).put("s", basic);
    const ring = keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEYS: `new:${keyB},old:${keyA}` });
    const store = new PgCredentialStore(db, ring);
    expect(await store.get("s")).toEqual(basic);
    expect(await store.rotate()).toBe(1);
    expect((await store.describe("s"))?.keyId).toBe("new");
    const onlyNew = new PgCredentialStore(db, keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEYS: `new:${keyB}` }));
    expect(await onlyNew.get("s")).toEqual(basic);
    const onlyOld = new PgCredentialStore(db, keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEYS: `new:${keyA}` }));
    const error = await onlyOld.get("s").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfluenceSyncError);
    expect(String((error as Error).message)).toMatch(/failed to decrypt/);
    expect(String((error as Error).message)).not.toContain("secret-token");
  });

  it("refuses rows moved to another source (the source id is authenticated)", async () => {
    const db = await database();
    const store = new PgCredentialStore(db, keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEY: keyA }));
    await store.put("a", basic);
    await db.exec("UPDATE confluence_credentials SET source_id = 'b' WHERE source_id = 'a'");
    await expect(store.get("b")).rejects.toThrow(/failed to decrypt/);
  });

  it("reads keys from the environment with clear errors that never echo a key", () => {
    expect(() => keyRingFromEnv({})).toThrow(/ARCHON_CONFLUENCE_SECRET_KEY/);
    const short = Buffer.from("too-short").toString("base64");
    expect(() => keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEY: short })).toThrow(/32 bytes/);
    const badId = (() => {
      try {
        keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEYS: `bad id:${keyA}` });
        return null;
      } catch (error) {
        return error as Error;
      }
    })();
    expect(badId?.message).toMatch(/key id must match/);
    expect(badId?.message).not.toContain(keyA);
    expect(() => keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEYS: "nocolon" })).toThrow(/id:base64key/);
    const [key] = keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEY: keyA });
    expect(key?.id).toMatch(/^[0-9a-f]{8}$/);
    expect(key?.key).toHaveLength(32);
  });
});
