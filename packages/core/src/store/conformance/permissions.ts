import { canRead, effectiveReaders } from "../../permissions/readers.js";
import type { KnowledgeStore, SearchHit, SearchMode } from "../../ports/knowledge-store.js";
import type { PageReaders, ReadRestriction, SearchPrincipal, SpaceViewers } from "../../ports/permissions.js";
import { expect, it } from "../../testing/test-api.js";
import { axis, makeChunk, makePage, makeSource } from "../fixtures.js";
import { hybridCandidates, MAX_LIMIT, RRF_K } from "../validate.js";
import { expectCoded, type SuiteContext } from "./context.js";

/** Seeded PRNG (mulberry32): every trial is reproducible from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const subset = <T>(items: readonly T[], p: number) => items.filter(() => next() < p);
  return { next, int, subset };
}

const USERS = ["u0", "u1", "u2", "u3", "u4"];
const GROUPS = ["g0", "g1", "g2"];
const WORDS = ["harbor", "lantern", "meadow", "copper", "violet"];
const TRIALS = 4;
const PAGES = 10;

interface Corpus {
  readonly readers: Map<string, PageReaders>;
  /** A page whose readers were never set. */
  readonly unknownPage: string;
}

/** A random page tree with random space viewers and read restrictions, written to the store. */
async function randomCorpus(store: KnowledgeStore, seed: number, dims: number): Promise<Corpus> {
  const r = rng(seed);
  await store.upsertSource(makeSource("perm", { syncPermissions: true }));
  const viewers: SpaceViewers = {
    users: r.subset(USERS, 0.3),
    groups: r.subset(GROUPS, 0.6),
    anonymous: r.next() < 0.15,
  };
  const ancestors = new Map<string, string[]>();
  const restrictions = new Map<string, ReadRestriction | null>();
  const readers = new Map<string, PageReaders>();
  for (let i = 0; i < PAGES; i++) {
    const id = String(100 + i);
    const parent = i === 0 || r.next() < 0.25 ? null : String(100 + r.int(i));
    const chain = parent === null ? [] : [...(ancestors.get(parent) ?? []), parent];
    ancestors.set(id, chain);
    const restricted = r.next() < 0.35;
    restrictions.set(id, restricted ? { users: r.subset(USERS, 0.4), groups: r.subset(GROUPS, 0.4) } : null);
    readers.set(
      id,
      effectiveReaders(
        viewers,
        [...chain, id].map((a) => restrictions.get(a)),
      ),
    );
    const chunks = [0, 1].map((n) => {
      const words = Array.from({ length: 1 + r.int(4) }, () => WORDS[r.int(WORDS.length)]);
      const vector = axis(r.int(dims), dims).map((v) => v + (r.int(8) + 1) / 8);
      return makeChunk(n, `alpha ${words.join(" ")} page${id}`, vector);
    });
    await store.writePage(makePage("perm", id, { ancestors: chain }), chunks);
  }
  const unknownPage = String(100 + PAGES - 1);
  const known = new Map([...readers].filter(([id]) => id !== unknownPage));
  await store.setPageReaders?.("perm", known);
  return { readers, unknownPage };
}

function randomPrincipal(r: ReturnType<typeof rng>): SearchPrincipal {
  if (r.next() < 0.15) return { userId: null, groups: [] };
  return { userId: USERS[r.int(USERS.length)] as string, groups: r.subset(GROUPS, 0.4) };
}

const key = (h: SearchHit) => `${h.sourceId}/${h.pageId}#${h.chunkNumber}`;

/** Reciprocal Rank Fusion of two ranked lists, with the stores' tie-break. */
function fuse(vector: SearchHit[], keyword: SearchHit[], limit: number): string[] {
  const scores = new Map<string, { hit: SearchHit; score: number }>();
  const add = (hits: SearchHit[]) =>
    hits.forEach((hit, rank) => {
      const entry = scores.get(key(hit)) ?? { hit, score: 0 };
      entry.score += 1 / (RRF_K + rank + 1);
      scores.set(key(hit), entry);
    });
  add(vector);
  add(keyword);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...scores.values()]
    .sort(
      (a, b) =>
        b.score - a.score ||
        cmp(a.hit.sourceId, b.hit.sourceId) ||
        cmp(a.hit.pageId, b.hit.pageId) ||
        a.hit.chunkNumber - b.hit.chunkNumber,
    )
    .slice(0, limit)
    .map((e) => key(e.hit));
}

type ReaderStore = KnowledgeStore & Required<Pick<KnowledgeStore, "getPageReaders" | "setPageReaders">>;

/** The store, which must keep page readers for this group of tests. */
function withReaders(store: KnowledgeStore): ReaderStore {
  expect(typeof store.setPageReaders, "setPageReaders (pass permissions: false to skip)").toBe("function");
  expect(typeof store.getPageReaders, "getPageReaders (pass permissions: false to skip)").toBe("function");
  return store as ReaderStore;
}

export function permissionTests(ctx: SuiteContext): void {
  const { dims } = ctx;
  const query = (mode: SearchMode, limit: number, principal?: SearchPrincipal) => ({
    text: "alpha",
    embedding: axis(1, dims).map((v) => v + 0.25),
    mode,
    limit,
    ...(principal ? { principal } : {}),
  });

  it("never returns a chunk the principal cannot read, and the same readable hits as filtering afterwards", async () => {
    const store = withReaders(ctx.store());
    // The property must bite: some principal is denied something, and some reads something.
    let denied = 0;
    let granted = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = 1000 + trial;
      if (trial > 0) await store.deleteSource("perm");
      const { readers } = await randomCorpus(store, seed, dims);
      const r = rng(seed * 7);
      for (let p = 0; p < 4; p++) {
        const principal = randomPrincipal(r);
        const readable = (h: SearchHit) => h.sourceId === "perm" && canRead(readers.get(h.pageId), principal);
        const limit = 1 + r.int(8);
        const context = `seed ${seed}, principal ${JSON.stringify(principal)}, limit ${limit}`;
        const all = {
          vector: await store.search(query("vector", MAX_LIMIT)),
          keyword: await store.search(query("keyword", MAX_LIMIT)),
        };
        const unknownHidden = (h: SearchHit) => h.pageId !== String(100 + PAGES - 1);
        for (const mode of ["vector", "keyword"] as const) {
          const filtered = await store.search(query(mode, limit, principal));
          for (const hit of filtered) expect(readable(hit) && unknownHidden(hit), context).toBe(true);
          const expected = all[mode].filter((h) => readable(h) && unknownHidden(h)).slice(0, limit);
          if (mode === "keyword") {
            granted += expected.length > 0 ? 1 : 0;
            denied += all.keyword.some((h) => !readable(h) && unknownHidden(h)) ? 1 : 0;
          }
          expect(filtered.map(key), `${mode}, ${context}`).toEqual(expected.map(key));
        }
        const hybrid = await store.search(query("hybrid", limit, principal));
        for (const hit of hybrid) expect(readable(hit) && unknownHidden(hit), context).toBe(true);
        const candidates = hybridCandidates(limit);
        const legs = (hits: SearchHit[]) => hits.filter((h) => readable(h) && unknownHidden(h)).slice(0, candidates);
        expect(hybrid.map(key), `hybrid, ${context}`).toEqual(fuse(legs(all.vector), legs(all.keyword), limit));
      }
    }
    expect(denied, "principals denied something").toBeGreaterThan(0);
    expect(granted, "principals granted something").toBeGreaterThan(0);
  });

  it("hides pages whose readers are unknown from a principal, not from an unfiltered search", async () => {
    const store = withReaders(ctx.store());
    const { unknownPage } = await randomCorpus(store, 7, dims);
    const everyone: SearchPrincipal = { userId: "u0", groups: [...GROUPS] };
    await store.setPageReaders("perm", new Map([["100", [["anyone"]]]]));
    const open = await store.search(query("keyword", MAX_LIMIT));
    expect(open.some((h) => h.pageId === unknownPage)).toBe(true);
    const filtered = await store.search(query("keyword", MAX_LIMIT, everyone));
    expect(filtered.some((h) => h.pageId === unknownPage)).toBe(false);
    expect(filtered.some((h) => h.pageId === "100")).toBe(true);
  });

  it("keeps readers across a page rewrite and drops them with the page", async () => {
    const store = withReaders(ctx.store());
    await store.upsertSource(makeSource("perm", { syncPermissions: true }));
    await store.writePage(makePage("perm", "1"), [makeChunk(0, "alpha secret plans", axis(0, dims))]);
    await store.setPageReaders("perm", new Map([["1", [["group:g1"], ["user:u1", "user:u2"]]]]));
    await store.writePage(makePage("perm", "1", { version: 2 }), [
      makeChunk(0, "alpha secret plans v2", axis(0, dims)),
    ]);
    expect((await store.getPageReaders("perm")).get("1")).toEqual([["group:g1"], ["user:u1", "user:u2"]]);
    expect([...(await store.getPageReaders("perm", ["1", "2"])).keys()]).toEqual(["1"]);
    expect((await store.getPageReaders("perm", ["2"])).size).toBe(0);
    const hit = (principal: SearchPrincipal) => store.search(query("keyword", 5, principal));
    expect(await hit({ userId: "u1", groups: ["g1"] })).toHaveLength(1);
    expect(await hit({ userId: "u1", groups: [] })).toHaveLength(0);
    expect(await hit({ userId: "u3", groups: ["g1"] })).toHaveLength(0);
    // Unknown page ids are ignored.
    await store.setPageReaders("perm", new Map([["404", [["anyone"]]]]));
    expect((await store.getPageReaders("perm")).has("404")).toBe(false);
    await store.deletePages("perm", ["1"]);
    await store.writePage(makePage("perm", "1"), [makeChunk(0, "alpha secret plans", axis(0, dims))]);
    expect((await store.getPageReaders("perm")).has("1")).toBe(false);
    expect(await hit({ userId: "u1", groups: ["g1"] })).toHaveLength(0);
  });

  it("refuses a search without a principal only where a source in scope enforces permissions", async () => {
    const store = withReaders(ctx.store());
    await store.upsertSource(makeSource("open"));
    await store.upsertSource(makeSource("closed", { syncPermissions: true, enforcePermissions: true }));
    await store.writePage(makePage("open", "1"), [makeChunk(0, "alpha open", axis(0, dims))]);
    await store.writePage(makePage("closed", "2"), [makeChunk(0, "alpha closed", axis(0, dims))]);
    await store.setPageReaders("closed", new Map([["2", [["group:g1"]]]]));
    await expectCoded(store.search(query("keyword", 5)), "PERMISSION_REQUIRED", /"closed"/);
    await expectCoded(
      store.search({ ...query("keyword", 5), filters: { sourceIds: ["closed"] } }),
      "PERMISSION_REQUIRED",
    );
    const open = await store.search({ ...query("keyword", 5), filters: { sourceIds: ["open"] } });
    expect(open.map((h) => h.pageId)).toEqual(["1"]);
    const member = await store.search(query("keyword", 5, { userId: "u9", groups: ["g1"] }));
    expect(member.map((h) => h.pageId)).toEqual(["2"]);
  });

  it("rejects malformed readers with CONFIG_INVALID, storing nothing", async () => {
    const store = withReaders(ctx.store());
    await store.upsertSource(makeSource("perm", { syncPermissions: true }));
    await store.writePage(makePage("perm", "1"), [makeChunk(0, "alpha", axis(0, dims))]);
    const bad = (readers: unknown) => store.setPageReaders("perm", new Map([["1", readers as PageReaders]]));
    await expectCoded(bad("group:g1"), "CONFIG_INVALID", /page "1"/);
    await expectCoded(bad([["group:g1", 3]]), "CONFIG_INVALID", /clauses/);
    await expectCoded(bad([[""]]), "CONFIG_INVALID", /clauses/);
    expect((await store.getPageReaders("perm")).has("1")).toBe(false);
  });

  it("rejects a malformed principal with CONFIG_INVALID", async () => {
    const store = withReaders(ctx.store());
    const bad = (principal: unknown) =>
      store.search({ text: "alpha", mode: "keyword", principal: principal as SearchPrincipal });
    await expectCoded(bad("u1"), "CONFIG_INVALID", /principal/);
    await expectCoded(bad({ userId: 7 }), "CONFIG_INVALID", /userId/);
    await expectCoded(bad({ userId: "u1", groups: "g1" }), "CONFIG_INVALID", /groups/);
  });
}
