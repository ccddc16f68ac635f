import type { ConfluencePage, ConfluenceSource, ConfluenceSpace, PageRef } from "../ports/confluence-source.js";
import { afterAll, beforeAll, describe, expect, it } from "./test-api.js";

/** A page as the backing site holds it; what every implementation must report. */
export type ExpectedPage = Pick<ConfluencePage, "id" | "title" | "version" | "parentId" | "labels" | "body">;

/**
 * What {@link describeConfluenceSource} needs: a source and a handle on the data behind it. The space must hold at
 * least five current pages, one of them with a parent and one with a label.
 */
export interface SourceFixture {
  readonly source: ConfluenceSource;
  readonly spaceKey: string;
  /** Current pages of the space, as the site holds them right now. */
  truth(): Promise<readonly ExpectedPage[]>;
  /** Changes a page's body, which bumps its version. */
  edit(id: string): Promise<void>;
  /** Moves a page to the trash. */
  trash(id: string): Promise<void>;
  close?(): Promise<void>;
}

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

const byId = <T extends { id: string }>(items: readonly T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
const sorted = (labels: readonly string[] | undefined) => (labels === undefined ? undefined : [...labels].sort());

/**
 * The behaviour every {@link ConfluenceSource} must show. One fixture serves the suite: every test reads the truth
 * afresh, and the two that mutate it (an edit, a trash) leave the others' assertions valid.
 *
 * ```ts
 * describeConfluenceSource("FakeConfluenceSource", async () => fixtureFromFake());
 * ```
 */
export function describeConfluenceSource(name: string, create: () => Promise<SourceFixture>): void {
  describe(`${name} conformance`, () => {
    let fixture: SourceFixture;
    let space: ConfluenceSpace;
    beforeAll(async () => {
      fixture = await create();
      space = await fixture.source.getSpace(fixture.spaceKey);
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it("resolves the space by key and reports an unknown key as SOURCE_NOT_FOUND", async () => {
      expect(space.key).toBe(fixture.spaceKey);
      expect(space.id).not.toBe("");
      await expect(fixture.source.getSpace("NOSUCHSPACE")).rejects.toMatchObject({ code: "SOURCE_NOT_FOUND" });
    });

    it("lists every current page once, without bodies, with versions and parents", async () => {
      const truth = byId(await fixture.truth());
      let requests = 0;
      const refs: PageRef[] = byId(await collect(fixture.source.listPageRefs(space, { onRequest: () => requests++ })));
      expect(refs.map((r) => [r.id, r.title, r.version, r.parentId, r.status])).toEqual(
        truth.map((p) => [p.id, p.title, p.version, p.parentId, "current"]),
      );
      for (const [i, ref] of refs.entries()) {
        if (ref.labels !== undefined) expect(sorted(ref.labels)).toEqual(sorted(truth[i]?.labels));
        expect(ref).not.toHaveProperty("body");
      }
      expect(requests).toBeGreaterThan(0);
    });

    it("lists every current page with body and labels", async () => {
      const truth = byId(await fixture.truth());
      const pages = byId(await collect(fixture.source.listPages(space)));
      expect(pages.map((p) => [p.id, p.version, p.parentId, p.body, sorted(p.labels)])).toEqual(
        truth.map((p) => [p.id, p.version, p.parentId, p.body, sorted(p.labels)]),
      );
      for (const page of pages) {
        expect(page.spaceKey).toBe(fixture.spaceKey);
        expect(page.webUrl).toMatch(/^https?:\/\//);
      }
    });

    it("fetches pages by id and omits ids that do not exist", async () => {
      const truth = byId(await fixture.truth());
      const wanted = [truth[0]?.id, truth[2]?.id, truth[0]?.id].filter((id): id is string => id !== undefined);
      const pages = await collect(fixture.source.getPages(space, [...wanted, "987654321012"]));
      expect(pages.map((p) => p.id).sort()).toEqual([...new Set(wanted)].sort());
      expect(pages.find((p) => p.id === truth[0]?.id)?.body).toBe(truth[0]?.body);
    });

    it("reports an edited page as changed, with its new version", async () => {
      const truth = byId(await fixture.truth());
      const target = truth[1] as ExpectedPage;
      const before = new Date(Date.now() - 1000);
      await fixture.edit(target.id);
      const changed = await collect(fixture.source.listChangedSince(space, before));
      const edited = changed.filter((p) => p.id === target.id);
      expect(edited.length).toBeGreaterThan(0);
      expect(Math.max(...edited.map((p) => p.version))).toBe(target.version + 1);
      const now = new Map((await fixture.truth()).map((p) => [p.id, p.version]));
      for (const page of changed) expect(page.version).toBe(now.get(page.id));
    });

    it("drops a trashed page from the current listing and lists it as trashed on request", async () => {
      const truth = byId(await fixture.truth());
      const target = truth[truth.length - 1] as ExpectedPage;
      await fixture.trash(target.id);
      const current = await collect(fixture.source.listPageRefs(space));
      expect(current.some((r) => r.id === target.id)).toBe(false);
      const trashed = await collect(fixture.source.listPageRefs(space, { statuses: ["trashed"] }));
      expect(trashed.find((r) => r.id === target.id)?.status).toBe("trashed");
    });

    it("rejects with SYNC_ABORTED when the signal is already aborted", async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(collect(fixture.source.listPages(space, { signal: controller.signal }))).rejects.toMatchObject({
        code: "SYNC_ABORTED",
      });
    });
  });
}
