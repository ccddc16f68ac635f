import { readFile } from "node:fs/promises";
import { basename, isAbsolute, join, resolve, sep } from "node:path";
import { z } from "zod";
import { FakeConfluenceError } from "./errors.js";
import { generateUsers, type PageSeed, type SpaceSeed } from "./generator/generate-space.js";
import type { FakeUser } from "./model.js";

/** One entry of `pages.json`. */
export const pageEntrySchema = z
  .object({
    /** Numeric page id, as a string or number. */
    id: z.union([z.string().regex(/^\d+$/, "digits only"), z.number().int().positive()]).transform(String),
    title: z.string().min(1),
    /** Parent page id; absent or null for a page at the space root. */
    parentId: z
      .union([z.string().regex(/^\d+$/, "digits only"), z.number().int().positive()])
      .transform(String)
      .nullish(),
    labels: z.array(z.string().regex(/^[^\s]+$/, "a label without spaces")).default([]),
    /** @default 1 */
    version: z.number().int().min(1).default(1),
    /** Account id of the author. @default a generated user */
    authorId: z.string().min(1).optional(),
    /** ISO timestamp. @default 2024-01-01T00:00:00.000Z */
    createdAt: z.iso.datetime({ offset: true }).optional(),
    /** Body file, relative to the directory. */
    file: z.string().min(1),
  })
  .strict();

/** Shape of `pages.json`: an array of entries. */
export const pagesFileSchema = z.array(pageEntrySchema);
/** A `pages.json` entry as written. */
export type PageEntry = z.input<typeof pageEntrySchema>;

function invalid(dir: string, message: string): FakeConfluenceError {
  return new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: ${join(dir, "pages.json")}: ${message}`);
}

/**
 * Reads a space from a directory: `pages.json` (validated; errors name the entry and field) beside one storage-format
 * body file per page. Parents must exist in the file and form no cycle; the first root page becomes the home page.
 */
export async function loadSpaceFromDirectory(
  dir: string,
  options: { key?: string | undefined; name?: string | undefined; users?: readonly FakeUser[] } = {},
): Promise<SpaceSeed> {
  let raw: string;
  try {
    raw = await readFile(join(dir, "pages.json"), "utf8");
  } catch (cause) {
    throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: cannot read ${join(dir, "pages.json")}.`, {
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw invalid(dir, `not valid JSON (${(cause as Error).message}).`);
  }
  const parsed = pagesFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const [index, ...field] = issue?.path ?? [];
    const where =
      typeof index === "number"
        ? `entry ${index}${entryId(json, index)}, field "${field.join(".") || "(entry)"}"`
        : "the top level (expected an array of page entries)";
    throw invalid(dir, `${where}: ${issue?.message ?? "invalid"}.`);
  }
  const entries = parsed.data;
  const ids = new Map<string, number>();
  entries.forEach((entry, i) => {
    if (ids.has(entry.id))
      throw invalid(dir, `entry ${i}: field "id": ${entry.id} repeats entry ${ids.get(entry.id)}.`);
    ids.set(entry.id, i);
  });
  entries.forEach((entry, i) => {
    if (entry.parentId != null && !ids.has(entry.parentId)) {
      throw invalid(dir, `entry ${i} (id ${entry.id}): field "parentId": no entry has id ${entry.parentId}.`);
    }
    const seen = new Set<string>([entry.id]);
    for (let p = entry.parentId; p != null; p = entries[ids.get(p) as number]?.parentId) {
      if (seen.has(p)) throw invalid(dir, `entry ${i} (id ${entry.id}): field "parentId": the parents form a cycle.`);
      seen.add(p);
    }
  });
  const users = options.users ?? generateUsers(1);
  const root = resolve(dir);
  const pages: PageSeed[] = [];
  for (const [i, entry] of entries.entries()) {
    const path = resolve(root, entry.file);
    if (isAbsolute(entry.file) || !path.startsWith(root + sep)) {
      throw invalid(dir, `entry ${i} (id ${entry.id}): field "file": must be a path inside the directory.`);
    }
    let body: string;
    try {
      body = await readFile(path, "utf8");
    } catch {
      throw invalid(dir, `entry ${i} (id ${entry.id}): field "file": cannot read ${entry.file}.`);
    }
    const createdAt = entry.createdAt ? new Date(entry.createdAt).toISOString() : "2024-01-01T00:00:00.000Z";
    const author = entry.authorId ?? users[i % users.length]?.accountId ?? "unknown";
    pages.push({
      id: entry.id,
      title: entry.title,
      parentId: entry.parentId ?? null,
      status: "current",
      body,
      labels: [...entry.labels].sort(),
      version: entry.version,
      createdAt,
      updatedAt: new Date(Date.parse(createdAt) + (entry.version - 1) * 86_400_000).toISOString(),
      createdBy: author,
      authorId: author,
      features: [],
    });
  }
  const key =
    options.key ??
    basename(root)
      .toUpperCase()
      .replace(/[^A-Z0-9_~-]/g, "");
  if (!/^[A-Za-z0-9_~-]+$/.test(key))
    throw invalid(dir, `cannot derive a space key from the directory name; pass one.`);
  return {
    key,
    name: options.name ?? `${key} Space`,
    description: `Loaded from ${basename(root)}.`,
    homepageId: pages.find((p) => p.parentId === null)?.id ?? null,
    pages,
    users,
  };
}

function entryId(json: unknown, index: number): string {
  const entry = Array.isArray(json) ? (json[index] as { id?: unknown } | undefined) : undefined;
  return entry && (typeof entry.id === "string" || typeof entry.id === "number") ? ` (id ${entry.id})` : "";
}
