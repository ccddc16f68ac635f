import { describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import type { ConfluencePage, ConfluenceSpace, PageRef, SourceCallOptions } from "../ports/confluence-source.js";
import { makeSource } from "../store/fixtures.js";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync } from "./index.js";

/** A source whose listing misses some pages, and that reports the `unreadable` ones as it fails to fetch them. */
class PartlyReadableSource extends FakeConfluenceSource {
  readonly unlisted = new Set<string>();
  readonly unreadable = new Set<string>();

  override async *listPageRefs(space: ConfluenceSpace, options?: Parameters<FakeConfluenceSource["listPageRefs"]>[1]) {
    for await (const batch of super.listPageRefs(space, options)) {
      yield batch.filter((ref: PageRef) => !this.unlisted.has(ref.id));
    }
  }

  override async *listPages(space: ConfluenceSpace, options: Parameters<FakeConfluenceSource["listPages"]>[1] = {}) {
    for await (const batch of super.listPages(space, options)) {
      yield batch.filter((page) => !this.#failed(page.id, options));
    }
  }

  override async *getPages(
    space: ConfluenceSpace,
    ids: readonly string[],
    options: SourceCallOptions = {},
  ): AsyncIterable<ConfluencePage[]> {
    yield* super.getPages(
      space,
      ids.filter((id) => !this.#failed(id, options)),
      options,
    );
  }

  #failed(pageId: string, options: SourceCallOptions): boolean {
    if (!this.unreadable.has(pageId)) return false;
    options.onWarning?.({ code: "CONTENT_UNREADABLE", message: `page ${pageId} could not be read`, pageId });
    return true;
  }
}

describe("pages the source cannot read", () => {
  it("are never removed for not being returned, while a page that is gone is", async () => {
    const source = new PartlyReadableSource();
    const pages = Array.from({ length: 6 }, (_, i) => source.addPage("ENG", { title: `Page ${i}` }));
    const store = new InMemoryKnowledgeStore();
    await store.upsertSource(makeSource("eng", { spaceKey: "ENG" }));
    const sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 16 }) });
    await sync.run({ sourceId: "eng", mode: "full" });

    const [unreadable, gone] = [pages[2]!, pages[4]!];
    // Neither is listed; asked for by id, one fails with a warning and the other is not there any more.
    source.unlisted.add(unreadable.id).add(gone.id);
    source.unreadable.add(unreadable.id);
    source.deletePage(gone.id);
    const warnings: string[] = [];
    sync.on("source-warning", (event) => warnings.push(event.code));
    const metrics = await sync.run({ sourceId: "eng", mode: "full" });

    expect(warnings.length).toBeGreaterThan(0);
    expect(new Set(warnings)).toEqual(new Set(["CONTENT_UNREADABLE"]));
    expect(metrics.pagesDeleted).toBe(1);
    const stored = await store.getPageStates("eng");
    expect(stored.has(unreadable.id)).toBe(true);
    expect(stored.has(gone.id)).toBe(false);
  });
});
