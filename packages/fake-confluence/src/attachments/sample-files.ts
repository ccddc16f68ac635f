import { deflateSync } from "node:zlib";
import { FakeConfluenceError } from "../errors.js";

/** A generated file in one of the formats Confluence users attach, with phrases its text must yield. */
export interface SampleFile {
  readonly fileName: string;
  readonly mediaType: string;
  readonly data: Uint8Array;
  /** Phrases that appear in the file's text (for images: in its name and caption). */
  readonly phrases: readonly string[];
  /** Caption to attach it with. */
  readonly comment: string;
}

export const MEDIA_TYPES = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  csv: "text/csv",
  md: "text/markdown",
  txt: "text/plain",
  html: "text/html",
  png: "image/png",
} as const;

export type SampleFormat = keyof typeof MEDIA_TYPES;

/** Every format {@link generateSampleFile} writes. */
export const SAMPLE_FORMATS = Object.keys(MEDIA_TYPES) as SampleFormat[];

const text = (value: string) => new TextEncoder().encode(value);

/** The writer libraries are optional peers: only callers that generate Office and PDF files install them. */
async function writer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new FakeConfluenceError(
      "CONFIG_INVALID",
      `fake-confluence: writing sample files of this format needs the optional package "${name}" (npm install -D ${name}): ${(error as Error).message}`,
    );
  }
}

/**
 * Writes a real file of the format with the libraries made for it (pdf-lib, docx, pptxgenjs, exceljs; text formats
 * and a PNG by hand). `tag` makes the content and name unique, e.g. a page id or a version.
 */
export async function generateSampleFile(format: SampleFormat, tag: string): Promise<SampleFile> {
  const mediaType = MEDIA_TYPES[format];
  const comment = `Caption ${tag}`;
  switch (format) {
    case "pdf": {
      const { PDFDocument, StandardFonts } = await writer("pdf-lib", () => import("pdf-lib"));
      const doc = await PDFDocument.create();
      const font = await doc.embedFont(StandardFonts.Helvetica);
      const lines = [`Incident runbook ${tag}`, "Restart the ingestion gateway before paging the on-call lead."];
      const first = doc.addPage([595, 842]);
      lines.forEach((line, i) => {
        first.drawText(line, { x: 50, y: 780 - i * 24, size: 14, font });
      });
      doc.addPage([595, 842]).drawText(`Escalation matrix ${tag}`, { x: 50, y: 780, size: 14, font });
      const data = await doc.save({ useObjectStreams: false });
      return {
        fileName: `runbook-${tag}.pdf`,
        mediaType,
        data,
        comment,
        phrases: [`Incident runbook ${tag}`, "ingestion gateway", `Escalation matrix ${tag}`],
      };
    }
    case "docx": {
      const docx = await writer("docx", () => import("docx"));
      const { Document, Packer, Paragraph, HeadingLevel, Table, TableRow, TableCell, TextRun } = docx;
      const cell = (value: string) => new TableCell({ children: [new Paragraph(value)] });
      const doc = new Document({
        sections: [
          {
            children: [
              new Paragraph({ text: `Design review ${tag}`, heading: HeadingLevel.HEADING_1 }),
              new Paragraph({
                children: [new TextRun("The cache layer keeps "), new TextRun({ text: "warm replicas", bold: true })],
              }),
              new Table({
                rows: [
                  new TableRow({ children: [cell("Component"), cell("Owner")] }),
                  new TableRow({ children: [cell("Billing ledger"), cell(`Team ${tag}`)] }),
                ],
              }),
            ],
          },
        ],
      });
      const data = new Uint8Array(await Packer.toBuffer(doc));
      return {
        fileName: `design-${tag}.docx`,
        mediaType,
        data,
        comment,
        phrases: [`# Design review ${tag}`, "warm replicas", "| Billing ledger | Team"],
      };
    }
    case "pptx": {
      const { default: PptxGenJS } = await writer("pptxgenjs", () => import("pptxgenjs"));
      const pptx = new PptxGenJS();
      pptx.addSlide().addText(`Roadmap ${tag}`, { x: 1, y: 1, w: 8, h: 1 });
      pptx.addSlide().addText("Migrate the search cluster in spring", { x: 1, y: 1, w: 8, h: 1 });
      const out = (await pptx.write({ outputType: "nodebuffer" })) as Buffer;
      return {
        fileName: `roadmap-${tag}.pptx`,
        mediaType,
        data: new Uint8Array(out),
        comment,
        phrases: [`Roadmap ${tag}`, "Migrate the search cluster in spring"],
      };
    }
    case "xlsx": {
      const { default: ExcelJS } = await writer("exceljs", () => import("exceljs"));
      const book = new ExcelJS.Workbook();
      const budget = book.addWorksheet("Budget");
      budget.addRow(["Item", "Cost"]);
      budget.addRow([`Servers ${tag}`, 1200]);
      const staff = book.addWorksheet("Staff");
      staff.addRow(["Name", "Role"]);
      staff.addRow(["Ada", "Storage engineer"]);
      const data = new Uint8Array(await book.xlsx.writeBuffer());
      return {
        fileName: `budget-${tag}.xlsx`,
        mediaType,
        data,
        comment,
        phrases: ["## Budget", `| Servers ${tag} | 1200 |`, "## Staff", "Storage engineer"],
      };
    }
    case "csv":
      return {
        fileName: `inventory-${tag}.csv`,
        mediaType,
        data: text(`host,region\n"edge-${tag}",eu-west\nbatch-7,"us-east, backup"\n`),
        comment,
        phrases: [`| edge-${tag} | eu-west |`, "us-east, backup"],
      };
    case "md":
      return {
        fileName: `notes-${tag}.md`,
        mediaType,
        data: text(`# Retro notes ${tag}\n\nWe agreed to rotate the pager weekly.\n`),
        comment,
        phrases: [`# Retro notes ${tag}`, "rotate the pager weekly"],
      };
    case "txt":
      return {
        fileName: `readme-${tag}.txt`,
        mediaType,
        data: text(`Deployment checklist ${tag}\nDrain the queue workers first.\n`),
        comment,
        phrases: [`Deployment checklist ${tag}`, "Drain the queue workers first."],
      };
    case "html":
      return {
        fileName: `export-${tag}.html`,
        mediaType,
        data: text(
          `<html><head><title>x</title><script>var hidden = 1;</script></head><body><h2>Vendor list ${tag}</h2><table><tr><th>Vendor</th><th>Tier</th></tr><tr><td>Acme</td><td>Gold</td></tr></table></body></html>`,
        ),
        comment,
        phrases: [`## Vendor list ${tag}`, "| Acme | Gold |"],
      };
    case "png":
      return {
        fileName: `architecture-diagram-${tag}.png`,
        mediaType,
        data: tinyPng(),
        comment: `Network topology ${tag}`,
        phrases: [`architecture-diagram-${tag}.png`, `Network topology ${tag}`],
      };
  }
}

/** Every format once, tagged `tag`. */
export async function generateSampleFiles(tag: string): Promise<SampleFile[]> {
  return Promise.all(SAMPLE_FORMATS.map((format) => generateSampleFile(format, tag)));
}

/** A PDF cut off half way: the cross-reference table and trailer are gone. */
export async function corruptPdf(tag: string): Promise<SampleFile> {
  const whole = await generateSampleFile("pdf", tag);
  return { ...whole, fileName: `broken-${tag}.pdf`, data: whole.data.slice(0, Math.floor(whole.data.length / 3)) };
}

/**
 * What Office writes for a password-protected .docx: not a ZIP but an OLE compound file (magic `D0 CF 11 E0`) holding
 * `EncryptionInfo` and `EncryptedPackage` streams. Only the header is real here; readers stop at the magic.
 */
export function encryptedDocx(tag: string): SampleFile {
  const data = new Uint8Array(4096);
  data.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  data.set(text("EncryptionInfo EncryptedPackage"), 512);
  return { fileName: `secret-${tag}.docx`, mediaType: MEDIA_TYPES.docx, data, phrases: [], comment: "" };
}

/** A 1x1 PNG, written by hand (signature, IHDR, IDAT, IEND with CRCs). */
function tinyPng(): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(body));
    return Buffer.concat([head, body, tail]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  const idat = deflateSync(Buffer.from([0, 255, 255, 255]));
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  return new Uint8Array(png);
}
