import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSpace } from "@archon/fake-confluence";
import { describe, expect, it } from "vitest";
import type { ConvertContext } from "../ports/converter.js";
import { createStorageConverter } from "./index.js";
import { mulberry32 } from "./seeded-random.js";

// Stored Markdown is what users' indexes are built from: any change to the converter's output, however small,
// re-indexes every page. These digests pin the output (Markdown, metadata and warnings) on a varied corpus;
// UPDATE_FIXTURES=1 rewrites them after an intended change.
const FIXTURES = fileURLToPath(new URL("../../test/fixtures/storage-format/", import.meta.url));
const DIGESTS = fileURLToPath(new URL("../../test/fixtures/convert-digests.json", import.meta.url));
const SHARED = resolve(fileURLToPath(new URL("../../../../", import.meta.url)), "../shared/fixtures/storage-format");
const sharedAvailable = existsSync(SHARED);

type Digests = Record<string, string>;

/** Damages a body the way broken input does: cut short, a closing tag dropped, a stray `<`, `&` or `]]>`. */
function damage(body: string, random: () => number): string {
  const at = (n: number) => Math.floor(random() * n);
  switch (at(5)) {
    case 0:
      return body.slice(0, at(body.length));
    case 1: {
      const closes = [...body.matchAll(/<\/[a-z:-]+>/g)];
      const drop = closes[at(closes.length)];
      return drop?.index === undefined ? body : body.slice(0, drop.index) + body.slice(drop.index + drop[0].length);
    }
    case 2: {
      const i = at(body.length);
      return `${body.slice(0, i)}${["<", "&", "]]>", "</p>", "<li>", "&amp", "<br>", "<td>"][at(8)]}${body.slice(i)}`;
    }
    case 3:
      return body.replace(/<\/?(?:strong|em|p|li|td)>/g, (m) => (random() < 0.2 ? m.toUpperCase() : m));
    default: {
      const i = at(body.length);
      return `${body.slice(0, i)}<div><table><tr><td>${body.slice(i)}`;
    }
  }
}

function corpus(): { name: string; body: string; context: ConvertContext }[] {
  const out: { name: string; body: string; context: ConvertContext }[] = [];
  const random = mulberry32(0xd16e57);
  for (const [key, pages, seed] of [
    ["LOAD", 300, 42],
    ["BENCH", 200, 7],
  ] as const) {
    const space = generateSpace({ key, pages, seed });
    const users = new Map(space.users.map((u) => [u.accountId, u.displayName]));
    const titles = new Map(space.pages.map((p) => [p.title, p.id]));
    for (const page of space.pages) {
      const context: ConvertContext = {
        pageId: page.id,
        spaceKey: key,
        baseUrl: "https://wiki.example.com",
        resolveUser: (id) => users.get(id),
        resolvePageUrl: (title) => {
          const id = titles.get(title);
          return id === undefined ? undefined : `https://wiki.example.com/pages/${id}`;
        },
      };
      out.push({ name: `${key}/${page.id}`, body: page.body, context });
      if (random() < 0.25) out.push({ name: `${key}/${page.id}/damaged`, body: damage(page.body, random), context });
    }
  }
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".xml"))) {
    out.push({ name: `fixtures/${file}`, body: readFileSync(join(FIXTURES, file), "utf8"), context: { pageId: "1" } });
  }
  return out;
}

function sharedCorpus(): { name: string; body: string }[] {
  if (!sharedAvailable) return [];
  const out: { name: string; body: string }[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (/\.(?:html|xml)$/.test(entry.name))
        out.push({ name: `shared/${prefix}${entry.name}`, body: readFileSync(join(dir, entry.name), "utf8") });
    }
  };
  walk(SHARED, "");
  return out;
}

function digest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

describe("StorageConverter output stability", () => {
  const converter = createStorageConverter({ jiraBaseUrl: "https://acme.atlassian.net" });
  let stored: Digests = existsSync(DIGESTS) ? (JSON.parse(readFileSync(DIGESTS, "utf8")) as Digests) : {};
  const actual: Digests = {};
  for (const { name, body, context } of corpus()) actual[name] = digest(converter.convert(body, context));
  const shared: Digests = {};
  for (const { name, body } of sharedCorpus()) shared[name] = digest(converter.convert(body, { pageId: "1" }));
  if (process.env.UPDATE_FIXTURES === "1") {
    const previousShared = Object.fromEntries(Object.entries(stored).filter(([name]) => name.startsWith("shared/")));
    stored = { ...actual, ...(sharedAvailable ? shared : previousShared) };
    writeFileSync(DIGESTS, `${JSON.stringify(stored, null, 1)}\n`);
  }
  if (!sharedAvailable) console.warn(`[skip] ${SHARED} is absent: output digests of the shared fixtures not checked`);

  it("gives every generated page, damaged page and fixture the Markdown, metadata and warnings it gave before", () => {
    const expected = Object.fromEntries(Object.entries(stored).filter(([name]) => !name.startsWith("shared/")));
    expect(Object.keys(actual).length).toBeGreaterThan(600);
    expect(actual).toEqual(expected);
  });

  it.skipIf(!sharedAvailable)(
    "gives every shared storage-format fixture the output it gave before (skipped: ../shared is absent)",
    () => {
      const expected = Object.fromEntries(Object.entries(stored).filter(([name]) => name.startsWith("shared/")));
      expect(Object.keys(shared).length).toBeGreaterThan(40);
      expect(shared).toEqual(expected);
    },
  );
});
