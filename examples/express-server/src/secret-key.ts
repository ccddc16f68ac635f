import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfluenceSyncError } from "@archon/confluence-core";
import { type KeyRing, keyRingFromEnv } from "@archon/confluence-pg-store";
import { type AppConfig, ConfigError } from "./config.js";

/**
 * The key ring that encrypts stored Confluence credentials: from `ARCHON_CONFLUENCE_SECRET_KEY(S)`, or for the
 * demo a key generated once and kept in `<dataDir>/secret.key` (mode 0600). Losing it makes stored credentials
 * unreadable (re-enter them with PATCH /sources/:id).
 */
export async function loadKeyRing(
  config: AppConfig,
  dataDir: string,
  notes: string[],
  storedKeyIds: () => Promise<string[]> = async () => [],
): Promise<KeyRing> {
  if (config.ARCHON_CONFLUENCE_SECRET_KEY || config.ARCHON_CONFLUENCE_SECRET_KEYS) {
    notes.push("secret key: from the environment");
    return fromEnv({
      ARCHON_CONFLUENCE_SECRET_KEY: config.ARCHON_CONFLUENCE_SECRET_KEY,
      ARCHON_CONFLUENCE_SECRET_KEYS: config.ARCHON_CONFLUENCE_SECRET_KEYS,
      ARCHON_CONFLUENCE_SECRET_KEY_ID: config.ARCHON_CONFLUENCE_SECRET_KEY_ID,
    });
  }
  const path = join(dataDir, "secret.key");
  let key: string;
  try {
    key = (await readFile(path, "utf8")).trim();
    notes.push(`secret key: ${path} (generated earlier for the demo; set ARCHON_CONFLUENCE_SECRET_KEY in production)`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const held = await storedKeyIds();
    if (held.length > 0) {
      // A new key could decrypt none of them: say so instead of starting with credentials nobody can read.
      throw new ConfigError([
        `ARCHON_CONFLUENCE_SECRET_KEY: the database holds credentials encrypted with key ${held.join(", ")}, but ` +
          `${path} is missing and no key is set. Restore that file or set the key; to start over, delete the sources.`,
      ]);
    }
    await mkdir(dataDir, { recursive: true });
    key = randomBytes(32).toString("base64");
    await writeFile(path, `${key}\n`, { mode: 0o600, flag: "wx" });
    notes.push(`secret key: generated ${path} (default, demo only; set ARCHON_CONFLUENCE_SECRET_KEY in production)`);
  }
  return fromEnv({ ARCHON_CONFLUENCE_SECRET_KEY: key });
}

function fromEnv(env: Record<string, string | undefined>): KeyRing {
  try {
    return keyRingFromEnv(env);
  } catch (error) {
    if (error instanceof ConfluenceSyncError) throw new ConfigError([error.message]);
    throw error;
  }
}
