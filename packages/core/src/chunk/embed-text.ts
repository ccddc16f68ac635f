// The text form of a chunk that is embedded: link and image targets removed, their visible text kept.

/** A Markdown link or image; lengths are bounded so a line of unmatched brackets stays linear. */
const LINK = String.raw`(!?)\[((?:\\.|[^\]\\\n]){0,1000})\]\((?:<([^>\n]{0,4000})>|([^)\s]{0,4000}))(?:\s+"((?:\\.|[^"\\\n]){0,1000})")?\)`;
const LINKS = new RegExp(`${LINK}|<(https?://[^>\\s]{1,4000})>`, "g");
/** Start of a Markdown link or image, for tokenizers that must not cut through one. */
export const LINK_AT = new RegExp(`${LINK}|<https?://[^>\\s]{1,4000}>`, "y");
const FENCE = /^\s*(?:>\s?)*(`{3,}|~{3,})(.*)$/;

/** `host/path` of a URL, percent-decoded, without query or fragment: what a reader would recognise. */
export function shortUrl(url: string): string {
  let rest = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/[?#].*$/, "");
  try {
    rest = decodeURIComponent(rest);
  } catch {
    // A malformed escape stays as written.
  }
  rest = rest.replace(/\/+$/, "");
  return rest.length > 80 ? `${rest.slice(0, 80)}…` : rest;
}

/** Last path segment of a URL, decoded: the file name of an attachment. */
function fileName(url: string): string {
  const path = url.replace(/[?#].*$/, "").replace(/\/+$/, "");
  const last = path.slice(path.lastIndexOf("/") + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function reduce(match: string, bang: string, text: string, angled?: string, bare?: string, title?: string): string {
  const target = angled ?? bare ?? "";
  if (bang === "!") {
    // An image is its alt text and caption; a file name only when nothing else describes it.
    const parts = [text, title ?? ""].filter((part) => part.trim() !== "");
    return parts.length > 0 ? parts.join(" ") : fileName(target);
  }
  if (text.trim() !== "") return text;
  return target === "" ? match : shortUrl(target);
}

/** One line outside code: links keep their text, bare URLs shrink to `host/path`; inline code is left alone. */
function embedLine(line: string): string {
  if (line.indexOf("](") < 0 && line.indexOf("<http") < 0 && line.indexOf("[[") < 0) return line;
  // Inline code spans keep URLs verbatim: they are what the reader types.
  if (line.indexOf("`") < 0) return embedProse(line);
  const parts = line.split(/(`+[^`]*`+)/);
  for (let i = 0; i < parts.length; i += 2) parts[i] = embedProse(parts[i] as string);
  return parts.join("");
}

/** Text outside inline code: links keep their text, bare URLs shrink to `host/path`, `[[Title]]` to its title. */
function embedProse(text: string): string {
  const reduced =
    text.indexOf("](") < 0 && text.indexOf("<http") < 0
      ? text
      : text.replace(
          LINKS,
          (
            match,
            bang: string | undefined,
            linkText: string | undefined,
            angled,
            bare,
            title,
            auto: string | undefined,
          ) => (auto === undefined ? reduce(match, bang ?? "", linkText ?? "", angled, bare, title) : shortUrl(auto)),
        );
  // A page link the converter could not resolve is `[[Title]]`: the title is the text.
  return reduced.indexOf("[[") < 0 ? reduced : reduced.replace(/\[\[((?:\\.|[^\]\\\n]){1,1000})\]\]/g, "$1");
}

/**
 * The text embedded for a chunk of Markdown: link targets removed (the link text stays), images reduced to their
 * alt text and caption (or file name), bare URLs reduced to `host/path`, `[[Title]]` to its title. Code blocks and
 * inline code are unchanged. Targets carry little meaning for search but many tokens: a by-title page URL with a
 * percent-encoded non-Latin title is about 50 tokens. The stored Markdown keeps every URL.
 */
export function embedText(markdown: string): string {
  return embedTextOf(markdown).text;
}

/**
 * {@link embedText}, and whether the text ends outside any code fence. Texts that each end outside a fence can be
 * joined by blank lines before or after embedding alike: the results are equal.
 */
export function embedTextOf(markdown: string): { readonly text: string; readonly closed: boolean } {
  const links = markdown.indexOf("](") >= 0 || markdown.indexOf("<http") >= 0 || markdown.indexOf("[[") >= 0;
  // A fence needs three backticks or tildes in a row.
  if (!links && markdown.indexOf("```") < 0 && markdown.indexOf("~~~") < 0) return { text: markdown, closed: true };
  const lines = markdown.split("\n");
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const match = line.indexOf("```") < 0 && line.indexOf("~~~") < 0 ? null : FENCE.exec(line);
    const marks = match?.[1];
    if (fence !== undefined) {
      // Only a bare run of the same marks, at least as long, closes the block.
      if (marks !== undefined && marks[0] === fence[0] && marks.length >= fence.length && match?.[2]?.trim() === "") {
        fence = undefined;
      }
      continue;
    }
    if (marks !== undefined) {
      fence = marks;
      continue;
    }
    if (links) lines[i] = embedLine(line);
  }
  return { text: links ? lines.join("\n") : markdown, closed: fence === undefined };
}
