import type { FolderRecord } from "../../ports/knowledge-store.js";
import { expect, it } from "../../testing/test-api.js";
import { makePage, makeSource } from "../fixtures.js";
import { expectCoded, type SuiteContext } from "./context.js";

function folder(folderId: string, title: string, ancestors: string[] = []): FolderRecord {
  return {
    folderId,
    title,
    parentId: ancestors.at(-1) ?? null,
    ancestors,
    path: `/${[...ancestors, folderId].join("/")}`,
    depth: ancestors.length,
    webUrl: `https://acme.atlassian.net/wiki/spaces/ENG/folder/${folderId}`,
  };
}

/** Folders: titled tree nodes without a body, part of breadcrumbs. */
export function folderTests(ctx: SuiteContext): void {
  it("puts folders in breadcrumbs beside stored pages, root first, and skips unknown ancestors", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "1", { title: "Home" }), []);
    await store.saveFolders("s", [folder("f1", "Runbooks", ["1"]), folder("f2", "Databases", ["1", "f1"])]);
    await store.writePage(makePage("s", "7", { ancestors: ["1", "f1", "f2", "gone"], title: "Failover" }), []);
    expect(await store.getBreadcrumb("s", "7")).toEqual([
      { id: "1", kind: "page", title: "Home", webUrl: makePage("s", "1").webUrl },
      { id: "f1", kind: "folder", title: "Runbooks", webUrl: folder("f1", "").webUrl },
      { id: "f2", kind: "folder", title: "Databases", webUrl: folder("f2", "").webUrl },
      { id: "7", kind: "page", title: "Failover", webUrl: makePage("s", "7").webUrl },
    ]);
    expect(await store.getBreadcrumb("s", "404")).toEqual([]);
    expect(await store.getBreadcrumb("other", "7")).toEqual([]);
  });

  it("updates a renamed folder, and with replace removes the folders not given", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.saveFolders("s", [folder("f1", "Runbooks"), folder("f2", "Old")]);
    await store.writePage(makePage("s", "7", { ancestors: ["f1", "f2"] }), []);
    await store.saveFolders("s", [folder("f1", "Operations")]);
    const titles = async () => (await store.getBreadcrumb("s", "7")).map((item) => item.title);
    expect(await titles()).toEqual(["Operations", "Old", "Page 7"]);
    await store.saveFolders("s", [folder("f1", "Operations")], { replace: true });
    expect(await titles()).toEqual(["Operations", "Page 7"]);
    await store.saveFolders("s", [], { replace: true });
    expect(await titles()).toEqual(["Page 7"]);
  });

  it("keeps folders apart per source and drops them with the source", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.upsertSource(makeSource("t"));
    await store.saveFolders("s", [folder("f1", "Of s")]);
    await store.saveFolders("t", [folder("f1", "Of t")]);
    await store.writePage(makePage("s", "7", { ancestors: ["f1"] }), []);
    await store.writePage(makePage("t", "7", { ancestors: ["f1"] }), []);
    expect((await store.getBreadcrumb("s", "7"))[0]?.title).toBe("Of s");
    await store.saveFolders("t", [], { replace: true });
    expect((await store.getBreadcrumb("s", "7"))[0]?.title).toBe("Of s");
    await store.deleteSource("s");
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "7", { ancestors: ["f1"] }), []);
    expect((await store.getBreadcrumb("s", "7")).map((item) => item.kind)).toEqual(["page"]);
  });

  it("rejects folders of an unknown source with a coded error", async () => {
    await expectCoded(ctx.store().saveFolders("nope", [folder("f1", "x")]), "CONFIG_INVALID", /nope/);
  });
}
