import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppConfig } from "./config.js";

/**
 * The 32-byte key that encrypts stored Confluence credentials: `ARCHON_SECRET_KEY`, or for the demo one generated
 * once and kept in `<dataDir>/secret.key` (mode 0600). Losing it makes stored credentials unreadable.
 */
export async function loadSecretKey(config: AppConfig, dataDir: string, notes: string[]): Promise<Buffer> {
  if (config.ARCHON_SECRET_KEY) {
    notes.push("secret key: from ARCHON_SECRET_KEY");
    return decodeKey(config.ARCHON_SECRET_KEY);
  }
  const path = join(dataDir, "secret.key");
  try {
    const key = decodeKey((await readFile(path, "utf8")).trim());
    notes.push(`secret key: ${path} (generated earlier for the demo; set ARCHON_SECRET_KEY in production)`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(path, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  notes.push(`secret key: generated a new one in ${path} (demo only; set ARCHON_SECRET_KEY in production)`);
  return key;
}

function decodeKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== 32) throw new Error("The secret key must be 32 bytes (64 hex or 44 base64 characters).");
  return key;
}
