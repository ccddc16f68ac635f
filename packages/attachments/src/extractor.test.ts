import { corruptPdf, encryptedDocx, generateSampleFiles, type SampleFile } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractBinary } from "./extract.js";
import { createAttachmentExtractor } from "./extractor.js";

const BUDGET = 60_000;
let files: SampleFile[];
const extractor = createAttachmentExtractor({ workers: 2 });
beforeAll(async () => {
  files = await generateSampleFiles("u1");
});
afterAll(() => extractor.close());

const asFile = (sample: SampleFile) => ({ bytes: sample.data, fileName: sample.fileName, mediaType: sample.mediaType });

describe("createAttachmentExtractor", () => {
  it("reads every text-bearing sample format on worker threads into Markdown with its phrases", async () => {
    const readable = files.filter((f) => !f.mediaType.startsWith("image/"));
    expect(readable.map((f) => f.fileName.split(".").pop()).sort()).toEqual(
      ["csv", "docx", "html", "md", "pdf", "pptx", "txt", "xlsx"].sort(),
    );
    for (const file of readable) {
      expect(extractor.supports(file.mediaType, file.fileName)).toBe(true);
      const result = await extractor.extract(asFile(file), { timeBudgetMs: BUDGET });
      expect(result.kind, file.fileName).toBe("text");
      const markdown = result.kind === "text" ? result.markdown : "";
      for (const phrase of file.phrases) expect(markdown, file.fileName).toContain(phrase);
    }
  });

  it("keeps structure: a Word table, a sheet per section, slides in order, no script text from HTML", async () => {
    const read = async (ext: string) => {
      const file = files.find((f) => f.fileName.endsWith(`.${ext}`))!;
      const result = await extractor.extract(asFile(file), { timeBudgetMs: BUDGET });
      return result.kind === "text" ? result.markdown : "";
    };
    expect(await read("docx")).toMatch(/\| Component \| Owner \|\n\| --- \| --- \|/);
    const sheets = await read("xlsx");
    expect(sheets.indexOf("## Budget")).toBeLessThan(sheets.indexOf("## Staff"));
    const slides = await read("pptx");
    expect(slides.indexOf("## Slide 1")).toBeLessThan(slides.indexOf("## Slide 2"));
    expect(await read("html")).not.toContain("hidden");
    expect(await read("pdf")).toMatch(/## Page 1[\s\S]*## Page 2/);
  });

  it("reports a password-protected Office file as encrypted and a truncated PDF as corrupt", async () => {
    const locked = await extractor.extract(asFile(encryptedDocx("e")), { timeBudgetMs: BUDGET });
    expect(locked).toMatchObject({ kind: "skipped", reason: "encrypted" });
    const broken = await extractor.extract(asFile(await corruptPdf("c")), { timeBudgetMs: BUDGET });
    expect(broken).toMatchObject({ kind: "skipped", reason: "corrupt" });
    expect((broken as { message: string }).message).toMatch(/PDF/);
    const notZip = await extractBinary({
      ...asFile(files[0]!),
      bytes: new Uint8Array([1, 2, 3, 4]),
      mediaType: files[1]!.mediaType,
    });
    expect(notZip).toMatchObject({ kind: "skipped", reason: "corrupt" });
  });

  it("answers timeout when a file runs past its budget, and the pool goes on serving", async () => {
    const pdf = files.find((f) => f.fileName.endsWith(".pdf"))!;
    // A budget of 1 ms ends before any worker can even load the PDF reader.
    const late = await extractor.extract(asFile(pdf), { timeBudgetMs: 1 });
    expect(late).toMatchObject({ kind: "skipped", reason: "timeout" });
    expect((late as { message: string }).message).toContain("timeBudgetMs");
    const next = await extractor.extract(asFile(pdf), { timeBudgetMs: BUDGET });
    expect(next.kind).toBe("text");
  });

  it("does not claim media types it cannot read", () => {
    expect(extractor.supports("application/zip", "archive.zip")).toBe(false);
    expect(extractor.supports("video/mp4", "demo.mp4")).toBe(false);
    expect(extractor.supports("application/octet-stream", "notes.docx")).toBe(true);
  });
});
