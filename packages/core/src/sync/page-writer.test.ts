import { describe, expect, it } from "vitest";
import type { KnowledgeStore, PageWrite } from "../ports/knowledge-store.js";
import { makeChunk, makePage } from "../store/fixtures.js";
import { PageWriter } from "./page-writer.js";

/** A store whose group writes finish only when the test lets them, recording the order of events. */
function gatedStore() {
  const log: string[] = [];
  const open: Array<{ ids: string[]; release: () => void }> = [];
  let peak = 0;
  const store = {
    async writePage() {},
    writePages(writes: readonly PageWrite[]) {
      const ids = writes.map((w) => w.page.pageId);
      log.push(`start ${ids.join(",")}`);
      return new Promise<void>((resolve) => {
        const entry = {
          ids,
          release: () => {
            open.splice(open.indexOf(entry), 1);
            log.push(`commit ${ids.join(",")}`);
            resolve();
          },
        };
        open.push(entry);
        peak = Math.max(peak, open.length);
      });
    },
  } as unknown as KnowledgeStore;
  return { store, log, open, peak: () => peak };
}

const write = (id: string): PageWrite => ({ page: makePage("s", id), chunks: [makeChunk(0, `text ${id}`, [1, 0])] });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("PageWriter", () => {
  it("writes up to inFlight groups at once and reports each page only after its group committed", async () => {
    const { store, open, peak } = gatedStore();
    const writer = new PageWriter(store, { pages: 2, chunks: 1000, inFlight: 2 });
    const written: string[] = [];
    const adds = ["1", "2", "3", "4", "5", "6"].map((id) => writer.add(write(id), () => written.push(id)));
    await tick();
    expect(open.map((g) => g.ids)).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
    expect(written).toEqual([]);
    open[1]?.release();
    await tick();
    expect(written).toEqual(["3", "4"]);
    expect(open.map((g) => g.ids)).toEqual([
      ["1", "2"],
      ["5", "6"],
    ]);
    const drained = writer.drain();
    open[0]?.release();
    await tick();
    open[0]?.release();
    await Promise.all([...adds, drained]);
    expect(written.sort()).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(peak()).toBe(2);
  });

  it("never writes a page in two groups at once: the later group waits for the earlier one to commit", async () => {
    const { store, log, open } = gatedStore();
    const writer = new PageWriter(store, { pages: 2, chunks: 1000, inFlight: 4 });
    const adds = [writer.add(write("1"), () => {}), writer.add(write("2"), () => {})];
    await tick();
    adds.push(
      writer.add(write("3"), () => {}),
      writer.add(write("1"), () => {}),
    );
    await tick();
    // The group holding page 1 again cannot start while the first is open.
    expect(open.map((g) => g.ids)).toEqual([["1", "2"]]);
    open[0]?.release();
    await tick();
    expect(open.map((g) => g.ids)).toEqual([["3", "1"]]);
    open[0]?.release();
    await Promise.all([...adds, writer.drain()]);
    expect(log).toEqual(["start 1,2", "commit 1,2", "start 3,1", "commit 3,1"]);
  });
});

describe("PageWriter.flush", () => {
  it("starts writing a partial group without waiting for it to commit", async () => {
    const { store, open } = gatedStore();
    const writer = new PageWriter(store, { pages: 50, chunks: 1000, inFlight: 2 });
    const written: string[] = [];
    await writer.add(write("1"), () => written.push("1"));
    await writer.add(write("2"), () => written.push("2"));
    expect(open).toHaveLength(0);
    await writer.flush();
    expect(open.map((g) => g.ids)).toEqual([["1", "2"]]);
    expect(written).toEqual([]);
    open[0]?.release();
    await writer.drain();
    expect(written).toEqual(["1", "2"]);
  });
});
