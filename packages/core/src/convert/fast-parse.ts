import { CDATA, type ChildNode, Document, Element, type ParentNode, Text } from "domhandler";

// A single-pass reader for the plain XHTML that nearly every storage-format body is. It builds the same tree as
// htmlparser2 in the mode `parseStorage` uses (HTML mode, self-closing tags recognised, CDATA kept, entities
// decoded, names lower-cased), including HTML's implied closes, and gives up (returns undefined) on anything whose
// handling it does not reproduce exactly: comments, declarations, processing instructions, raw-text elements,
// unquoted or value-less attributes, entities outside a short list, and input that ends inside markup.

/** What the tree builder saw: the tree and the closes it had to imply, as `parseStorage` reports them. */
export interface FastParse {
  readonly document: Document;
  readonly implied: number;
  readonly firstImplied: string | undefined;
}

const P = new Set(["p"]);
const FORM = new Set(["input", "option", "optgroup", "select", "button", "datalist", "textarea"]);
const DDT = new Set(["dd", "dt"]);
const RTP = new Set(["rt", "rp"]);
const SECTIONS = new Set(["thead", "tbody"]);
/** HTML's implied closes: opening the key closes an open element of the set while it is the current one. */
const OPEN_IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>([
  ["tr", new Set(["tr", "th", "td"])],
  ["th", new Set(["th"])],
  ["td", new Set(["thead", "th", "td"])],
  ["body", new Set(["head", "link", "script"])],
  ["li", new Set(["li"])],
  ["option", new Set(["option"])],
  ["optgroup", new Set(["optgroup", "option"])],
  ["dd", DDT],
  ["dt", DDT],
  ["rt", RTP],
  ["rp", RTP],
  ["tbody", SECTIONS],
  ["tfoot", SECTIONS],
  ...["select", "input", "output", "button", "datalist", "textarea"].map((n) => [n, FORM] as const),
  ...[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "pre",
    "section",
    "table",
    "ul",
  ].map((n) => [n, P] as const),
]);
/** Elements that never have content (HTML's void elements). */
export const VOID: ReadonlySet<string> = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);
/** Void in HTML but counted as implied closes by `parseStorage`'s warning, or read as raw text: left to htmlparser2. */
const UNSUPPORTED = new Set([
  "basefont",
  "command",
  "frame",
  "isindex",
  "keygen",
  "script",
  "style",
  "title",
  "textarea",
  "xmp",
]);
interface Special {
  /** Open elements that opening this one closes while they are the current element. */
  readonly closes: ReadonlySet<string>;
  readonly void: boolean;
}
const UNSUPPORTED_TAG: Special = { closes: new Set(), void: false };
const VOID_ONLY: Special = { closes: new Set(), void: true };
/** Every element name this reader treats specially, looked up once per tag. */
const SPECIAL = new Map<string, Special>();
for (const name of VOID) SPECIAL.set(name, VOID_ONLY);
for (const [name, closes] of OPEN_IMPLIES_CLOSE) SPECIAL.set(name, { closes, void: VOID.has(name) });
for (const name of UNSUPPORTED) SPECIAL.set(name, UNSUPPORTED_TAG);

/** Named entities decoded here; any other name is left to htmlparser2. */
const ENTITIES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    amp: "&",
    lt: "<",
    gt: ">",
    quot: '"',
    apos: "'",
    nbsp: "\u00a0",
    mdash: "\u2014",
    ndash: "\u2013",
    hellip: "\u2026",
    lsquo: "\u2018",
    rsquo: "\u2019",
    ldquo: "\u201c",
    rdquo: "\u201d",
    laquo: "\u00ab",
    raquo: "\u00bb",
    copy: "\u00a9",
    reg: "\u00ae",
    trade: "\u2122",
    middot: "\u00b7",
    bull: "\u2022",
    times: "\u00d7",
    deg: "\u00b0",
    rarr: "\u2192",
    larr: "\u2190",
  }),
);
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]{2,6}));/y;
function isAlpha(c: number): boolean {
  return (c | 0x20) >= 97 && (c | 0x20) <= 122;
}

/** End of the name at `from`: letters, digits, `:`, `.`, `_` and `-` (a stricter set than HTML allows). */
function nameEnd(source: string, from: number): number {
  let i = from;
  for (;;) {
    const c = source.charCodeAt(i);
    if (isAlpha(c) || (c >= 48 && c <= 58) || c === 45 || c === 46 || c === 95) i++;
    else return i;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12;
}

/** Decodes the listed entities in `raw`; undefined when it holds any other `&`. */
function decode(raw: string): string | undefined {
  let amp = raw.indexOf("&");
  if (amp < 0) return raw;
  let out = "";
  let from = 0;
  while (amp >= 0) {
    ENTITY.lastIndex = amp;
    const match = ENTITY.exec(raw);
    if (match === null) return undefined;
    let value: string | undefined;
    if (match[3] !== undefined) value = ENTITIES.get(match[3]);
    else {
      const code = match[1] !== undefined ? Number.parseInt(match[1], 10) : Number.parseInt(match[2] as string, 16);
      // Zero, C1 controls, surrogates and out-of-range numbers are remapped by HTML's rules: not handled here.
      const plain = (code > 0 && code < 0x80) || (code >= 0xa0 && code < 0xd800) || (code > 0xdfff && code <= 0x10ffff);
      value = plain ? String.fromCodePoint(code) : undefined;
    }
    if (value === undefined) return undefined;
    out += raw.slice(from, amp) + value;
    from = ENTITY.lastIndex;
    amp = raw.indexOf("&", from);
  }
  return out + raw.slice(from);
}

/** Reads well-formed storage XHTML into the tree htmlparser2 would build; undefined when it cannot promise that. */
export function fastParse(source: string): FastParse | undefined {
  const document = new Document([]);
  const stack: ParentNode[] = [document];
  let parent: ParentNode = document;
  let lastText: Text | undefined;
  let implied = 0;
  let firstImplied: string | undefined;
  const append = (node: ChildNode) => {
    parent.children.push(node);
    lastText = undefined;
  };
  const close = (count: boolean) => {
    const element = stack.pop() as Element;
    parent = stack[stack.length - 1] as ParentNode;
    lastText = undefined;
    if (count) {
      implied++;
      firstImplied ??= element.name;
    }
  };
  /** Text joins the text node before it unless an element or CDATA section came between. */
  const addText = (raw: string): boolean => {
    const data = decode(raw);
    if (data === undefined) return false;
    if (lastText === undefined) {
      const text = new Text(data);
      append(text);
      lastText = text;
    } else lastText.data += data;
    return true;
  };
  const length = source.length;
  let i = 0;
  while (i < length) {
    const lt = source.indexOf("<", i);
    const textEnd = lt < 0 ? length : lt;
    // A `<` that starts no markup is text, as in HTML.
    let next = lt + 1 < length ? source.charCodeAt(lt + 1) : -1;
    if (lt >= 0 && next !== 33 && next !== 47 && next !== 63 && !isAlpha(next)) {
      if (next === -1) return undefined;
      if (!addText(source.slice(i, lt + 1))) return undefined;
      i = lt + 1;
      continue;
    }
    if (textEnd > i && !addText(source.slice(i, textEnd))) return undefined;
    if (lt < 0) break;
    if (next === 33) {
      if (!source.startsWith("<![CDATA[", lt)) return undefined;
      const end = source.indexOf("]]>", lt + 9);
      if (end < 0) return undefined;
      append(new CDATA([new Text(source.slice(lt + 9, end))]));
      i = end + 3;
      continue;
    }
    if (next === 63) return undefined;
    if (next === 47) {
      // Most end tags close the current element, spelled as it was opened.
      const current = (parent as Element).name;
      if (stack.length > 1 && source.charCodeAt(lt + 2 + current.length) === 62 && source.startsWith(current, lt + 2)) {
        close(false);
        i = lt + 3 + current.length;
        continue;
      }
      const end = nameEnd(source, lt + 2);
      if (!isAlpha(source.charCodeAt(lt + 2)) || source.charCodeAt(end) !== 62) return undefined;
      const name = source.slice(lt + 2, end).toLowerCase();
      i = end + 1;
      if (VOID.has(name)) {
        // `</br>` is a line break; any other void element's end tag is ignored.
        if (name === "br") append(new Element("br", {}));
        continue;
      }
      let pos = stack.length - 1;
      while (pos > 0 && (stack[pos] as Element).name !== name) pos--;
      if (pos > 0) {
        while (stack.length - 1 > pos) close(true);
        close(false);
      } else if (name === "p") append(new Element("p", {}));
      continue;
    }
    // An opening tag.
    let at = nameEnd(source, lt + 1);
    const name = source.slice(lt + 1, at).toLowerCase();
    next = source.charCodeAt(at);
    if (!(isSpace(next) || next === 47 || next === 62)) return undefined;
    const special = SPECIAL.get(name);
    if (special === UNSUPPORTED_TAG) return undefined;
    if (special !== undefined && special !== VOID_ONLY) {
      while (stack.length > 1 && special.closes.has((parent as Element).name)) close(true);
    }
    const attribs: Record<string, string> = {};
    let attributes = 0;
    let selfClosing = false;
    for (;;) {
      while (isSpace(source.charCodeAt(at))) at++;
      const c = source.charCodeAt(at);
      if (c === 62) break;
      if (c === 47) {
        if (source.charCodeAt(at + 1) !== 62) return undefined;
        selfClosing = true;
        at++;
        break;
      }
      const nameStop = nameEnd(source, at);
      if (!(isAlpha(c) || c === 95 || c === 58) || source.charCodeAt(nameStop) !== 61) return undefined;
      const quote = source.charCodeAt(nameStop + 1);
      if (quote !== 34 && quote !== 39) return undefined;
      const start = nameStop + 2;
      const end = source.indexOf(quote === 34 ? '"' : "'", start);
      if (end < 0) return undefined;
      const key = source.slice(at, nameStop).toLowerCase();
      if (attributes++ === 0 || !Object.hasOwn(attribs, key)) {
        const value = decode(source.slice(start, end));
        if (value === undefined) return undefined;
        attribs[key] = value;
      }
      at = end + 1;
      if (at >= length) return undefined;
    }
    const element = new Element(name, attribs);
    append(element);
    if (!selfClosing && (special === undefined || !special.void)) {
      stack.push(element);
      parent = element;
    }
    i = at + 1;
  }
  // Elements still open at the end close implicitly; htmlparser2 does not count them when the input ends in `/`.
  const counted = source.charCodeAt(length - 1) !== 47;
  while (stack.length > 1) close(counted);
  return { document, implied, firstImplied };
}
