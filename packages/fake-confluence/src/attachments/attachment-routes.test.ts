import { afterEach, describe, expect, it } from "vitest";
import { type FakeConfluence, startFakeConfluence } from "../fake-confluence.js";
import { generateSampleFile, generateSampleFiles, MEDIA_TYPES, SAMPLE_FORMATS } from "./sample-files.js";

// biome-ignore lint/suspicious/noExplicitAny: untyped JSON under test
type Json = Record<string, any>;

let fake: FakeConfluence | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function get(path: string) {
  const res = await fetch(`${fake!.origin}${path}`, {
    headers: { authorization: `Bearer ${fake!.credentials.bearerToken}` },
  });
  return res;
}

async function withFiles(deployment: "cloud" | "datacenter") {
  fake = await startFakeConfluence({ deployment, spaces: [{ key: "ENG", pages: 5, seed: 3 }] });
  const pageId = fake.space("ENG").pages()[1]!.id;
  const files = await generateSampleFiles("t1");
  const attached = files.map((file) => fake!.state.attachments.add({ pageId, ...file }));
  return { pageId, files, attached };
}

describe("sample files", () => {
  it("writes every format with the magic bytes of that format", async () => {
    const files = await generateSampleFiles("x");
    expect(files.map((f) => f.mediaType).sort()).toEqual(Object.values(MEDIA_TYPES).sort());
    const head = (format: string) => Buffer.from(files[SAMPLE_FORMATS.indexOf(format as never)]!.data.slice(0, 4));
    expect(head("pdf").toString("latin1")).toBe("%PDF");
    for (const zip of ["docx", "pptx", "xlsx"]) expect(head(zip).toString("latin1")).toBe("PK\u0003\u0004");
    expect([...head("png")]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});

describe("attachments on Cloud", () => {
  it("lists a page's files through v1 with version, size and a download link that serves the bytes", async () => {
    const { pageId, files, attached } = await withFiles("cloud");
    const res = await get(`/wiki/rest/api/content/${pageId}/child/attachment?expand=version,container&limit=4`);
    const body = (await res.json()) as Json;
    expect(body.size).toBe(4);
    expect(body._links.next).toContain("start=4");
    const first = body.results[0];
    expect(first).toMatchObject({
      id: attached[0]!.id,
      type: "attachment",
      title: files[0]!.fileName,
      extensions: { mediaType: files[0]!.mediaType, fileSize: files[0]!.data.byteLength, comment: files[0]!.comment },
      version: { number: 1 },
      container: { id: pageId, type: "page" },
    });
    expect(first.id).toMatch(/^att\d+$/);
    // The download link is Cloud's browser path, closed to API credentials.
    const browserPath = await get(`/wiki${first._links.download}`);
    expect(browserPath.status).toBe(401);
    expect(browserPath.headers.get("www-authenticate")).toMatch(/^OAuth realm=/);
  });

  it("serves the bytes through the REST download, by a redirect to a signed media URL that needs no credentials", async () => {
    const { pageId, files, attached } = await withFiles("cloud");
    const rest = await fetch(
      `${fake!.origin}/wiki/rest/api/content/${pageId}/child/attachment/${attached[0]!.id}/download`,
      {
        headers: { authorization: `Bearer ${fake!.credentials.bearerToken}` },
        redirect: "manual",
      },
    );
    expect(rest.status).toBe(302);
    const media = new URL(rest.headers.get("location")!);
    expect(media.pathname).toBe(`/media/file/${attached[0]!.fileId}/binary`);
    const download = await fetch(media);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe(files[0]!.mediaType);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(files[0]!.data))).toBe(true);

    media.searchParams.set("token", "forged");
    expect((await fetch(media)).status).toBe(401);
    const noCredentials = await fetch(
      `${fake!.origin}/wiki/rest/api/content/${pageId}/child/attachment/${attached[0]!.id}/download`,
    );
    expect(noCredentials.status).toBe(401);
  });

  it("lists them through v2 and reports a replaced file as a new version of the same id", async () => {
    const { pageId, attached } = await withFiles("cloud");
    const pageVersion = fake!.space("ENG").page(pageId)!.version;
    const next = await generateSampleFile("txt", "t2");
    fake!.state.attachments.replace(attached[6]!.id, next.data);
    const body = (await (await get(`/wiki/api/v2/pages/${pageId}/attachments?limit=250`)).json()) as Json;
    expect(body.results).toHaveLength(SAMPLE_FORMATS.length);
    const replaced = body.results.find((a: Json) => a.id === attached[6]!.id);
    expect(replaced).toMatchObject({ pageId, version: { number: 2 }, fileSize: next.data.byteLength });
    expect(replaced.downloadLink).toContain("version=2");
    expect(fake!.space("ENG").page(pageId)!.version).toBe(pageVersion);
    const bytes = Buffer.from(
      await (
        await get(`/wiki/rest/api/content/${pageId}/child/attachment/${replaced.id}/download?version=2`)
      ).arrayBuffer(),
    );
    expect(bytes.toString("utf8")).toContain("Deployment checklist t2");
  });

  it("answers 404 for a deleted file and for the files of a purged page", async () => {
    const { pageId, attached } = await withFiles("cloud");
    const link = `/wiki/rest/api/content/${pageId}/child/attachment/${attached[0]!.id}/download`;
    fake!.state.attachments.delete(attached[0]!.id);
    expect((await get(link)).status).toBe(404);
    fake!.space("ENG").deletePage(pageId);
    expect(fake!.state.attachments.of(pageId)).toEqual([]);
    expect((await get(`/wiki/rest/api/content/${pageId}/child/attachment`)).status).toBe(404);
  });
});

describe("attachments on Data Center", () => {
  it("serves the v1 listing and downloads under the context path, without Cloud's media fields", async () => {
    const { pageId, files } = await withFiles("datacenter");
    const body = (await (
      await get(
        `${new URL(fake!.baseUrl).pathname.replace(/\/$/, "")}/rest/api/content/${pageId}/child/attachment?expand=version`,
      )
    ).json()) as Json;
    expect(body.results).toHaveLength(files.length);
    expect(body.results[0].extensions.fileId).toBeUndefined();
    const download = await fetch(`${fake!.siteBase}${body.results[0]._links.download}`, {
      headers: { authorization: `Bearer ${fake!.credentials.bearerToken}` },
    });
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(files[0]!.data.byteLength);
  });
});
