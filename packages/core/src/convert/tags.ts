import { type Element, isTag } from "domhandler";

// Element names the renderer treats alike.

/** Elements that start their own block. */
export const BLOCK_TAGS = new Set([
  "p",
  "div",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "ul",
  "ol",
  "li",
  "table",
  "blockquote",
  "pre",
  "hr",
  "section",
  "article",
  "header",
  "footer",
  "aside",
  "nav",
  "main",
  "figure",
  "figcaption",
  "dl",
  "dt",
  "dd",
  "details",
  "summary",
  "center",
  "ac:layout",
  "ac:layout-section",
  "ac:layout-cell",
  "ac:task-list",
  "ac:adf-extension",
  "ac:rich-text-body",
]);
/** Block elements whose children are simply the page's content. */
export const TRANSPARENT_BLOCKS = new Set([
  "p",
  "div",
  "section",
  "article",
  "header",
  "footer",
  "aside",
  "nav",
  "main",
  "figure",
  "figcaption",
  "center",
  "ac:layout",
  "ac:layout-section",
  "ac:layout-cell",
  "ac:rich-text-body",
  "dd",
  "details",
]);
/** Elements with nothing to show. */
export const IGNORED = new Set([
  "ac:parameter",
  "ac:placeholder",
  "colgroup",
  "col",
  "script",
  "style",
  "head",
  "title",
]);
/** Inline formatting that an unclosed tag may wrap around blocks. */
export const INLINE_WRAPPERS = new Set([
  "strong",
  "b",
  "em",
  "i",
  "u",
  "s",
  "del",
  "strike",
  "span",
  "font",
  "sup",
  "sub",
  "small",
  "big",
  "mark",
  "ins",
  "cite",
  "ac:inline-comment-marker",
  "ac:task-body",
]);

/** `ac:`/`ri:` elements the converter knows, wherever it meets them. */
const KNOWN_STORAGE = new Set([
  "ac:structured-macro",
  "ac:macro",
  "ac:parameter",
  "ac:default-parameter",
  "ac:plain-text-body",
  "ac:rich-text-body",
  "ac:task-list",
  "ac:task",
  "ac:task-id",
  "ac:task-uuid",
  "ac:task-status",
  "ac:task-body",
  "ac:link",
  "ac:link-body",
  "ac:plain-text-link-body",
  "ac:image",
  "ac:caption",
  "ac:emoticon",
  "ac:placeholder",
  "ac:inline-comment-marker",
  "ac:layout",
  "ac:layout-section",
  "ac:layout-cell",
  "ac:adf-extension",
  "ac:adf-node",
  "ac:adf-fallback",
  "ac:adf-content",
  "ac:adf-attribute",
  "ac:adf-mark",
]);

/** An `ac:` element this converter has no rule for (`ri:` resources carry no text of their own, so they are fine). */
export function isUnknownStorageElement(name: string): boolean {
  return name.startsWith("ac:") && !KNOWN_STORAGE.has(name);
}

/** First direct child element named `name`. */
export function findChild(element: Element, name: string): Element | undefined {
  for (const child of element.children) if (isTag(child) && child.name === name) return child;
  return undefined;
}
