import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import {
  type ConfluenceCredentials,
  ConfluenceSyncError,
  type CredentialInfo,
  type CredentialStore,
} from "@archon/confluence-core";
import type { Db } from "./db.js";
import { toIso } from "./rows.js";

/** An AES-256 key and the id stored with everything it encrypted. */
export interface SecretKey {
  readonly id: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

/** Keys for {@link PgCredentialStore}: the first encrypts, all of them decrypt (rotation). */
export type KeyRing = readonly SecretKey[];

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function parseKey(id: string, base64: string, variable: string): SecretKey {
  if (!KEY_ID.test(id)) {
    throw new ConfluenceSyncError("CONFIG_INVALID", `${variable}: key id must match ${KEY_ID.source}.`);
  }
  const key = Buffer.from(base64.trim(), "base64");
  if (key.length !== 32) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `${variable}: key ${id} must be 32 bytes, base64-encoded (got ${key.length} bytes). Generate one with ` +
        "`openssl rand -base64 32`.",
    );
  }
  return { id, key };
}

/**
 * Reads the key ring from the environment:
 * - `ARCHON_CONFLUENCE_SECRET_KEYS`: `id:base64,id:base64,...`, the first one current (for rotation); or
 * - `ARCHON_CONFLUENCE_SECRET_KEY`: one base64 key, with `ARCHON_CONFLUENCE_SECRET_KEY_ID` as its id
 *   (default: the first 8 hex digits of the key's sha-256, which reveal nothing usable).
 * Throws `CONFIG_INVALID` naming the variable, never echoing a key.
 */
export function keyRingFromEnv(env: NodeJS.ProcessEnv = process.env): KeyRing {
  const many = env.ARCHON_CONFLUENCE_SECRET_KEYS;
  if (many?.trim()) {
    return many.split(",").map((entry) => {
      const at = entry.indexOf(":");
      if (at <= 0) {
        throw new ConfluenceSyncError("CONFIG_INVALID", "ARCHON_CONFLUENCE_SECRET_KEYS entries must be id:base64key.");
      }
      return parseKey(entry.slice(0, at).trim(), entry.slice(at + 1), "ARCHON_CONFLUENCE_SECRET_KEYS");
    });
  }
  const one = env.ARCHON_CONFLUENCE_SECRET_KEY;
  if (one?.trim()) {
    const raw = Buffer.from(one.trim(), "base64");
    const id =
      env.ARCHON_CONFLUENCE_SECRET_KEY_ID?.trim() || createHash("sha256").update(raw).digest("hex").slice(0, 8);
    return [parseKey(id, one, "ARCHON_CONFLUENCE_SECRET_KEY")];
  }
  throw new ConfluenceSyncError(
    "CONFIG_INVALID",
    "no credential encryption key: set ARCHON_CONFLUENCE_SECRET_KEY (base64 of 32 random bytes) or " +
      "ARCHON_CONFLUENCE_SECRET_KEYS (id:base64,... newest first).",
  );
}

interface CredentialRow {
  source_id: string;
  type: ConfluenceCredentials["type"];
  email: string | null;
  key_id: string;
  iv: string;
  auth_tag: string;
  ciphertext: string;
  updated_at: unknown;
}

/**
 * {@link CredentialStore} in `confluence_credentials`, AES-256-GCM encrypted with a random 96-bit IV per write and
 * the source id as associated data (a row copied to another source does not decrypt). Only `get` decrypts;
 * `describe` shows the type, the email and the key id.
 */
export class PgCredentialStore implements CredentialStore {
  readonly #keys: KeyRing;

  /** @param keys @default keyRingFromEnv() */
  constructor(
    readonly db: Db,
    keys: KeyRing = keyRingFromEnv(),
  ) {
    if (keys.length === 0) throw new ConfluenceSyncError("CONFIG_INVALID", "the key ring is empty.");
    this.#keys = keys;
  }

  async put(sourceId: string, credentials: ConfluenceCredentials): Promise<void> {
    const current = this.#keys[0] as SecretKey;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", current.key, iv);
    cipher.setAAD(Buffer.from(sourceId, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(credentials), "utf8"), cipher.final()]);
    await this.db.query(
      `INSERT INTO confluence_credentials (source_id, type, email, key_id, iv, auth_tag, ciphertext, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NOW())
       ON CONFLICT (source_id) DO UPDATE SET type = EXCLUDED.type, email = EXCLUDED.email, key_id = EXCLUDED.key_id,
         iv = EXCLUDED.iv, auth_tag = EXCLUDED.auth_tag, ciphertext = EXCLUDED.ciphertext, updated_at = NOW()`,
      [
        sourceId,
        credentials.type,
        credentials.type === "basic" ? credentials.email : null,
        current.id,
        iv.toString("base64"),
        cipher.getAuthTag().toString("base64"),
        ciphertext.toString("base64"),
      ],
    );
  }

  async get(sourceId: string): Promise<ConfluenceCredentials | null> {
    const row = await this.#row(sourceId);
    return row ? this.#decrypt(row) : null;
  }

  async describe(sourceId: string): Promise<CredentialInfo | null> {
    const row = await this.#row(sourceId);
    if (!row) return null;
    const info: CredentialInfo = { type: row.type, keyId: row.key_id, updatedAt: toIso(row.updated_at) as string };
    return row.email === null ? info : { ...info, email: row.email };
  }

  /** What is stored for every source, never decrypted. */
  async list(): Promise<(CredentialInfo & { sourceId: string })[]> {
    const { rows } = await this.db.query<CredentialRow>(
      `SELECT source_id, type, email, key_id, updated_at FROM confluence_credentials ORDER BY source_id COLLATE "C"`,
    );
    return rows.map((row) => ({
      sourceId: row.source_id,
      type: row.type,
      ...(row.email === null ? {} : { email: row.email }),
      keyId: row.key_id,
      updatedAt: toIso(row.updated_at) as string,
    }));
  }

  async delete(sourceId: string): Promise<void> {
    await this.db.query("DELETE FROM confluence_credentials WHERE source_id = $1", [sourceId]);
  }

  /** Re-encrypts every row not under the current key; run after putting a new key first. @returns rows rewritten */
  async rotate(): Promise<number> {
    const current = (this.#keys[0] as SecretKey).id;
    const { rows } = await this.db.query<{ source_id: string }>(
      "SELECT source_id FROM confluence_credentials WHERE key_id <> $1",
      [current],
    );
    for (const { source_id } of rows) {
      const credentials = await this.get(source_id);
      if (credentials) await this.put(source_id, credentials);
    }
    return rows.length;
  }

  async #row(sourceId: string): Promise<CredentialRow | null> {
    const { rows } = await this.db.query<CredentialRow>(
      "SELECT source_id, type, email, key_id, iv, auth_tag, ciphertext, updated_at FROM confluence_credentials WHERE source_id = $1",
      [sourceId],
    );
    return rows[0] ?? null;
  }

  #decrypt(row: CredentialRow): ConfluenceCredentials {
    const key = this.#keys.find((k) => k.id === row.key_id);
    if (!key) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `credentials of source ${row.source_id} were encrypted with key ${row.key_id}, which is not in the key ring. ` +
          "Add it to ARCHON_CONFLUENCE_SECRET_KEYS.",
      );
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(row.iv, "base64"));
      decipher.setAAD(Buffer.from(row.source_id, "utf8"));
      decipher.setAuthTag(Buffer.from(row.auth_tag, "base64"));
      const plain = Buffer.concat([decipher.update(Buffer.from(row.ciphertext, "base64")), decipher.final()]);
      return JSON.parse(plain.toString("utf8")) as ConfluenceCredentials;
    } catch (error) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `credentials of source ${row.source_id} failed to decrypt with key ${row.key_id} (wrong key or tampered row).`,
        { cause: error instanceof Error ? new Error(error.message) : undefined },
      );
    }
  }
}
