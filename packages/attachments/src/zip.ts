import { unzipSync } from "fflate";

/** Most bytes the wanted parts of one Office file may unpack to: a guard against ZIP bombs. */
export const MAX_UNPACKED_BYTES = 200 * 1024 * 1024;

/** The entries of a ZIP whose names pass `want`, as text; throws when they would unpack past the guard. */
export function readZipEntries(bytes: Uint8Array, want: (name: string) => boolean): Map<string, string> {
  let unpacked = 0;
  const files = unzipSync(bytes, {
    filter: (file) => {
      if (!want(file.name)) return false;
      unpacked += file.originalSize;
      if (unpacked > MAX_UNPACKED_BYTES) throw new Error(`it unpacks to more than ${MAX_UNPACKED_BYTES} bytes`);
      return true;
    },
  });
  const decoder = new TextDecoder();
  return new Map(Object.entries(files).map(([name, data]) => [name, decoder.decode(data)]));
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references. */
export function xmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
    }
    return ENTITIES[ref.toLowerCase()] ?? "";
  });
}
