import { describe, expect, it } from "vitest";
import { demoSpace, generateSpace, generateUsers } from "./generate-space.js";
import { cdata } from "./storage-body.js";

/** A small well-formedness check: every element closes in order; CDATA and entities are skipped correctly. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const re =
    /<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?![a-z]+;|#\d+;)/g;
  for (const m of xml.matchAll(re)) {
    if (m[0].startsWith("<![CDATA[")) continue;
    if (m[0] === "<" || m[0] === "&")
      throw new Error(`stray ${m[0]} at ${m.index}: ${xml.slice(m.index, m.index + 60)}`);
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at ${m.index}`);
    } else stack.push(name as string);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join("> <")}>`);
}

function depthOf(pages: ReadonlyArray<{ id: string; parentId: string | null }>): Map<string, number> {
  const byId = new Map(pages.map((p) => [p.id, p]));
  const depth = new Map<string, number>();
  for (const page of pages) {
    let d = 0;
    for (let p: string | null = page.id; p !== null; p = byId.get(p)?.parentId ?? null) d++;
    depth.set(page.id, d);
  }
  return depth;
}

describe("generateSpace", () => {
  const big = generateSpace({ key: "ENG", pages: 4000, seed: 7 });

  it("is deterministic: the same seed gives the same space, another seed a different one", () => {
    const again = generateSpace({ key: "ENG", pages: 4000, seed: 7 });
    expect(again.pages).toEqual(big.pages);
    const other = generateSpace({ key: "ENG", pages: 4000, seed: 8 });
    expect(other.pages.map((p) => p.body)).not.toEqual(big.pages.map((p) => p.body));
    expect(generateUsers(3)).toEqual(generateUsers(3));
  });

  it("generates the requested number of pages with unique ids and titles and a valid tree", () => {
    expect(big.pages).toHaveLength(4000);
    expect(new Set(big.pages.map((p) => p.id)).size).toBe(4000);
    expect(new Set(big.pages.map((p) => p.title.toLowerCase())).size).toBe(4000);
    const ids = new Set(big.pages.map((p) => p.id));
    for (const page of big.pages) if (page.parentId !== null) expect(ids.has(page.parentId)).toBe(true);
    expect(big.homepageId).toBe(big.pages[0]?.id);
  });

  it("has a deep hierarchy with branches of 7+ levels", () => {
    const depths = [...depthOf(big.pages).values()];
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(9);
    expect(depths.filter((d) => d >= 7).length).toBeGreaterThan(50);
    const small = generateSpace({ key: "S", pages: 60, seed: 1 });
    expect(Math.max(...depthOf(small.pages).values())).toBeGreaterThanOrEqual(9);
  });

  it("makes bodies from 1 KB to over 75 KB", () => {
    const sizes = big.pages.map((p) => p.body.length);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(75_000);
    expect(generateSpace({ key: "S", pages: 50, seed: 3 }).pages.some((p) => p.body.length >= 75_000)).toBe(true);
  });

  it("covers every storage-format feature, and the bodies say what they claim", () => {
    const all = new Set(big.pages.flatMap((p) => p.features));
    expect([...all].sort()).toEqual(
      [
        "attachment-link",
        "cdata-split",
        "code",
        "expand",
        "external-link",
        "heading",
        "image",
        "jira",
        "layout",
        "list",
        "page-link",
        "panel-info",
        "panel-note",
        "panel-tip",
        "panel-warning",
        "status",
        "table",
        "table-span",
        "task-list",
        "user-mention",
        "toc",
        "emoticon",
        "date",
        "adf-extension",
        "image-url",
        "quote",
        "rule",
      ].sort(),
    );
    const markers: Record<string, RegExp> = {
      "table-span": /<td rowspan="2">[\s\S]*?<td colspan="2">/,
      "cdata-split": /\]\]\]\]><!\[CDATA\[>/,
      "page-link": /<ac:link><ri:page [^>]*ri:content-title="/,
      "user-mention": /<ri:user ri:account-id="557058:/,
      image: /<ac:image [^>]*><ri:attachment ri:filename="/,
      "task-list": /<ac:task-list><ac:task><ac:task-id>/,
      layout: /^<ac:layout><ac:layout-section ac:type="single">/,
      jira: /ac:name="jira"/,
      expand: /ac:name="expand"/,
      "panel-warning": /ac:name="warning"/,
      "adf-extension": /<ac:adf-extension><ac:adf-node type="panel">[\s\S]*?<ac:adf-fallback>/,
      "image-url": /<ac:image [^>]*><ri:url ri:value="https:/,
      toc: /ac:name="toc"/,
      date: /<time datetime="\d{4}-\d{2}-\d{2}" \/>/,
    };
    for (const [feature, marker] of Object.entries(markers)) {
      const page = big.pages.find((p) => p.features.includes(feature as never));
      expect(page?.body, feature).toMatch(marker);
    }
  });

  it("produces well-formed storage format", () => {
    for (const page of big.pages.slice(0, 400)) assertWellFormed(page.body);
    expect(() => assertWellFormed("<p><b>x</p></b>")).toThrow();
  });

  it("mentions users by user key on Data Center", () => {
    const dc = generateSpace({ key: "DC", pages: 200, seed: 2, deployment: "datacenter" });
    const bodies = dc.pages.map((p) => p.body).join("");
    expect(bodies).toMatch(/<ri:user ri:userkey="[0-9a-f]{32}" \/>/);
    expect(bodies).not.toContain("ri:account-id");
  });

  it("marks only leaf pages archived or trashed, at roughly the requested ratios", () => {
    const parents = new Set(big.pages.map((p) => p.parentId));
    const archived = big.pages.filter((p) => p.status === "archived");
    const trashed = big.pages.filter((p) => p.status === "trashed");
    expect(archived.length).toBeGreaterThan(20);
    expect(trashed.length).toBeGreaterThan(10);
    for (const page of [...archived, ...trashed]) expect(parents.has(page.id)).toBe(false);
    const none = generateSpace({ key: "N", pages: 300, seed: 1, archivedRatio: 0, trashedRatio: 0 });
    expect(none.pages.every((p) => p.status === "current")).toBe(true);
  });

  it("keeps versions and timestamps consistent", () => {
    for (const page of big.pages) {
      expect(Date.parse(page.updatedAt)).toBeGreaterThanOrEqual(Date.parse(page.createdAt));
      expect(page.version === 1).toBe(page.updatedAt === page.createdAt);
    }
  });

  it("has a demo preset of a few hundred pages", () => {
    const demo = demoSpace();
    expect(demo.key).toBe("DEMO");
    expect(demo.pages).toHaveLength(300);
    expect(demoSpace().pages).toEqual(demo.pages);
  });
});

describe("cdata", () => {
  it("splits around ]]> so the text survives", () => {
    const wrapped = cdata("a]]>b]]>");
    expect(wrapped).toBe("<![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]>");
    const text = [...wrapped.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((m) => m[1]).join("");
    expect(text).toBe("a]]>b]]>");
  });
});
