import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scoreMeaning } from "../testing/text.js";
import { createStorageConverter } from "./index.js";

// Storage documents generated from Markdown by two other projects, kept outside this repository.
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SHARED = resolve(REPO_ROOT, "../shared/fixtures/storage-format");
const available = existsSync(SHARED);
/** Least share of a document's meaning (words, headings, code, cells, tasks, link texts) the conversion must keep. */
const THRESHOLD = 0.95;
/** Least share kept over all documents together. */
const OVERALL = 0.99;

interface Pair {
  readonly name: string;
  readonly markdown: string;
  readonly storage: string;
}

function pairs(): Pair[] {
  if (!available) return [];
  const found: Pair[] = [];
  const mark = join(SHARED, "mark");
  for (const file of readdirSync(mark).filter((f) => f.endsWith(".html"))) {
    // `X-variant.html` was generated from `X.md` with an option.
    const base = file.slice(0, -5);
    const source = [base, base.replace(/-[a-z0-9]+$/, "")].map((b) => join(mark, `${b}.md`)).find(existsSync);
    if (source !== undefined)
      found.push({
        name: `mark/${file}`,
        markdown: readFileSync(source, "utf8"),
        storage: readFileSync(join(mark, file), "utf8"),
      });
  }
  const md2conf = join(SHARED, "md2conf");
  for (const file of readdirSync(join(md2conf, "source")).filter((f) => f.endsWith(".md"))) {
    const target = join(md2conf, "target", `${file.slice(0, -3)}.xml`);
    if (existsSync(target))
      found.push({
        name: `md2conf/${file}`,
        markdown: readFileSync(join(md2conf, "source", file), "utf8"),
        storage: readFileSync(target, "utf8"),
      });
  }
  return found;
}

const all = pairs();
if (!available)
  console.warn(`[skip] shared storage-format fixtures not found at ${SHARED}; meaning-preservation test skipped`);

describe("StorageConverter on shared storage-format fixtures", () => {
  it.skipIf(!available)("finds the fixture pairs (skipped: ../shared/fixtures/storage-format is absent)", () => {
    expect(all.length).toBeGreaterThan(40);
  });

  it.skipIf(!available)(
    "keeps at least 99% of the meaning over all documents (skipped when ../shared is absent)",
    () => {
      let present = 0;
      let found = 0;
      for (const pair of all) {
        const result = scoreMeaning(
          pair.markdown,
          pair.storage,
          createStorageConverter().convert(pair.storage).markdown,
        );
        present += result.present;
        found += result.found;
      }
      console.info(
        `shared storage-format fixtures: ${found}/${present} meaning items kept over ${all.length} documents`,
      );
      expect(found / present).toBeGreaterThanOrEqual(OVERALL);
    },
  );

  it.skipIf(!available).each(all.map((pair) => [pair.name, pair] as const))(
    "keeps the meaning of %s (skipped when ../shared is absent)",
    (_name, pair) => {
      const converter = createStorageConverter();
      const { markdown } = converter.convert(pair.storage);
      const result = scoreMeaning(pair.markdown, pair.storage, markdown);
      expect({ score: result.score >= THRESHOLD, missing: result.missing }).toEqual({
        score: true,
        missing: result.score >= THRESHOLD ? result.missing : [],
      });
    },
  );
});
