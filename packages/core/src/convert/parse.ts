import { type Document, DomHandler } from "domhandler";
import { Parser } from "htmlparser2";
import { fastParse, VOID } from "./fast-parse.js";

/** Result of reading a storage-format body into a tree. */
export interface ParsedStorage {
  readonly document: Document;
  readonly warnings: string[];
}

/** Records implied closes: in well-formed XHTML only self-closing (`<x/>`) and void elements close implicitly. */
class TrackingHandler extends DomHandler {
  implied = 0;
  firstImplied: string | undefined;
  constructor(private readonly source: string) {
    super();
  }
  track(name: string, isImplied: boolean, endIndex: number | null): void {
    if (!isImplied || VOID.has(name)) return;
    if (endIndex !== null && this.source.charCodeAt(endIndex - 1) === 47 /* "/" */) return;
    this.implied++;
    this.firstImplied ??= name;
  }
}

/**
 * Parses storage-format XHTML without ever throwing. Plain well-formed XHTML, nearly every body, goes through a
 * single-pass reader that builds the same tree; anything else goes through htmlparser2.
 */
export function parseStorage(storage: string): ParsedStorage {
  const fast = fastParse(storage);
  if (fast === undefined) return parseWithHtmlparser2(storage);
  const warnings: string[] = [];
  if (fast.implied > 0) warnings.push(impliedWarning(fast.implied, fast.firstImplied));
  if (unterminatedCdata(storage)) warnings.push(UNTERMINATED_CDATA);
  return { document: fast.document, warnings };
}

const UNTERMINATED_CDATA = "malformed XHTML: unterminated CDATA section at the end of the input";

function impliedWarning(count: number, first: string | undefined): string {
  return `malformed XHTML: ${count} element(s) closed implicitly (first: <${first ?? "?"}>)`;
}

function unterminatedCdata(storage: string): boolean {
  const lastOpen = storage.lastIndexOf("<![CDATA[");
  return lastOpen >= 0 && storage.indexOf("]]>", lastOpen) < 0;
}

/**
 * Parses storage-format XHTML with htmlparser2, without ever throwing.
 *
 * HTML mode (not XML mode) so that void elements such as a bare `<br>` do not swallow their siblings and named HTML
 * entities (`&nbsp;`, `&mdash;`) decode; `recognizeSelfClosing` keeps `<ri:page/>` and `<ac:emoticon/>` empty, and
 * `recognizeCDATA` keeps code bodies as raw, undecoded text, even when a body is split across CDATA sections.
 */
export function parseWithHtmlparser2(storage: string): ParsedStorage {
  const warnings: string[] = [];
  const handler = new TrackingHandler(storage);
  const parser: Parser = new Parser(
    {
      onparserinit: (p) => handler.onparserinit(p),
      onreset: () => handler.onreset(),
      onend: () => handler.onend(),
      onerror: (e) => handler.onerror(e),
      onclosetag: (name, isImplied) => {
        handler.track(name, isImplied, parser.endIndex);
        handler.onclosetag();
      },
      onopentag: (name, attribs) => handler.onopentag(name, attribs),
      ontext: (data) => handler.ontext(data),
      oncomment: (data) => handler.oncomment(data),
      oncommentend: () => handler.oncommentend(),
      oncdatastart: () => handler.oncdatastart(),
      oncdataend: () => handler.oncdataend(),
      onprocessinginstruction: (name, data) => handler.onprocessinginstruction(name, data),
    },
    {
      xmlMode: false,
      recognizeSelfClosing: true,
      recognizeCDATA: true,
      decodeEntities: true,
      lowerCaseTags: true,
      lowerCaseAttributeNames: true,
    },
  );
  try {
    parser.end(storage);
  } catch (error) {
    warnings.push(`parser stopped early: ${error instanceof Error ? error.message : "unknown error"}`);
  }
  if (handler.implied > 0) warnings.push(impliedWarning(handler.implied, handler.firstImplied));
  if (unterminatedCdata(storage)) warnings.push(UNTERMINATED_CDATA);
  return { document: handler.root, warnings };
}
