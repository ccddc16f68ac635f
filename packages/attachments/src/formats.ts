/** The file kinds this package reads, by media type, then by extension for generic types. */
export type FileKind = "pdf" | "docx" | "pptx" | "xlsx" | "html" | "text";

const BY_TYPE: Record<string, FileKind> = {
  "application/pdf": "pdf",
  "application/x-pdf": "pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "application/xhtml+xml": "html",
  "text/plain": "text",
  "text/markdown": "text",
  "text/x-markdown": "text",
  "text/csv": "text",
  "application/csv": "text",
  "text/tab-separated-values": "text",
};

const BY_EXTENSION: Record<string, FileKind> = {
  pdf: "pdf",
  docx: "docx",
  pptx: "pptx",
  xlsx: "xlsx",
  html: "html",
  htm: "html",
  txt: "text",
  md: "text",
  markdown: "text",
  csv: "text",
  tsv: "text",
  log: "text",
};

/** Which reader a file needs; `undefined` when none of them reads it. */
export function fileKind(mediaType: string, fileName: string): FileKind | undefined {
  const byType = BY_TYPE[mediaType.toLowerCase()];
  if (byType) return byType;
  const generic = [
    "application/octet-stream",
    "binary/octet-stream",
    "application/zip",
    "application/x-zip-compressed",
  ];
  if (!generic.includes(mediaType.toLowerCase())) return undefined;
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : BY_EXTENSION[extension];
}

/** An OLE compound file (`D0 CF 11 E0`): what Office writes for a password-protected .docx, .pptx or .xlsx. */
export function isCompoundFile(bytes: Uint8Array): boolean {
  return bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0;
}

/** A ZIP archive (`PK\x03\x04`), the container of every Office Open XML file. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}
