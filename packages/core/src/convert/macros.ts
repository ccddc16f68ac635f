import { type ChildNode, type Element, isTag } from "domhandler";
import { fenceLanguage } from "./code-languages.js";
import { JQL_PARAMS, renderJira } from "./jira.js";
import { attachmentUrl, pageLink, renderUser, titleLink } from "./links.js";
import { escapeInline, fencedBlock, finishParagraph, linkTarget, quoteBlock } from "./markdown.js";
import type { Renderer } from "./render.js";
import { findChild } from "./tags.js";

/** Callout macros and the GitHub alert each becomes, by colour: `note` is yellow (a warning), `warning` red. */
const ALERTS: Readonly<Record<string, string>> = { info: "NOTE", tip: "TIP", note: "WARNING", warning: "CAUTION" };
/** Macros that list or navigate other content: nothing of this page's own text is lost by dropping them. */
const DROPPED = new Set([
  "toc",
  "children",
  "pagetree",
  "pagetreesearch",
  "recently-updated",
  "contentbylabel",
  "content-by-label",
  "livesearch",
  "blog-posts",
  "create-from-template",
  "index",
  "listlabels",
  "popular-labels",
  "related-labels",
  "navmap",
  "space-details",
  "contributors",
  "contributors-summary",
  "attachments",
  "gallery",
  "anchor",
  "recently-updated-dashboard",
  "spaces",
  "detailssummary",
  "tasks-report-macro",
  "page-index",
]);
/** Macros whose body is simply part of the page. */
const TRANSPARENT = new Set([
  "excerpt",
  "details",
  "section",
  "column",
  "toc-zone",
  "div",
  "span",
  "center",
  "table-excerpt",
]);
/** Formula macros: the formula is their body or their `body` parameter. */
const MATH_BLOCK = new Set([
  "easy-math-block",
  "mathblock",
  "math-block",
  "latex",
  "latex-formatting",
  "mathjax-block",
]);
const MATH_INLINE = new Set([
  "eazy-math-inline",
  "easy-math-inline",
  "mathinline",
  "math-inline",
  "mathjax-inline-macro",
]);
const INLINE = new Set(["status", "anchor", "profile", "emoticon", "lozenge", "span", ...MATH_INLINE]);
const FILES = new Set(["view-file", "viewpdf", "viewdoc", "viewxls", "viewppt", "multimedia", "pdf-viewer", "office"]);

function macroName(element: Element): string {
  return (element.attribs["ac:name"] ?? "").trim().toLowerCase();
}

/** Parameters by name; the default (unnamed) parameter, also the legacy `ac:default-parameter`, is `""`. */
function parameters(element: Element): Map<string, Element> {
  const params = new Map<string, Element>();
  for (const child of element.children) {
    if (!isTag(child)) continue;
    if (child.name === "ac:parameter") params.set(child.attribs["ac:name"] ?? "", child);
    else if (child.name === "ac:default-parameter") params.set("", child);
  }
  return params;
}

/** Every rich-text body of a macro: `details` and some apps' macros hold several. */
function richBodies(element: Element): Element[] {
  return element.children.filter((c): c is Element => isTag(c) && c.name === "ac:rich-text-body");
}

/** Whether a macro renders inside a line of text rather than as its own block. */
export function isInlineMacro(element: Element): boolean {
  const name = macroName(element);
  if (INLINE.has(name)) return true;
  if (name === "jira" || name === "jiraissues") {
    const params = parameters(element);
    return (params.has("key") || params.has("")) && !JQL_PARAMS.some((name) => params.has(name));
  }
  if (DROPPED.has(name) || TRANSPARENT.has(name) || Object.hasOwn(ALERTS, name)) return false;
  const known = ["code", "noformat", "panel", "expand", "include", "excerpt-include", "html", "widget", "jira"];
  if (known.includes(name) || FILES.has(name) || MATH_BLOCK.has(name)) return false;
  return (
    findChild(element, "ac:rich-text-body") === undefined && findChild(element, "ac:plain-text-body") === undefined
  );
}

/** Renders one `ac:structured-macro` (or legacy `ac:macro`) as a block or as inline text. */
export function renderMacro(r: Renderer, element: Element, depth: number, mode: "block" | "inline"): string {
  const name = macroName(element) || "unnamed";
  r.meta.macro(name);
  const params = parameters(element);
  const param = (key: string): string => {
    const value = params.get(key);
    return value === undefined ? "" : r.plain(value.children);
  };
  const richBody = findChild(element, "ac:rich-text-body");
  const plainBody = findChild(element, "ac:plain-text-body");
  const body = (): string => (richBody === undefined ? "" : r.blocks(richBody.children, depth));

  if (DROPPED.has(name)) return "";
  if (TRANSPARENT.has(name)) {
    const all = richBodies(element);
    if (mode === "inline") return all.map((b) => r.inline(b.children, depth)).join(" ");
    return all
      .map((b) => r.blocks(b.children, depth))
      .filter((text) => text !== "")
      .join("\n\n");
  }
  switch (name) {
    case "code":
    case "noformat":
    case "code-block": {
      let code = plainBody === undefined ? (richBody === undefined ? "" : r.text(richBody)) : r.text(plainBody);
      // An emptied code block keeps only the editor's indentation: nothing to show.
      if (code.trim() === "") code = "";
      const language = name === "noformat" ? "" : fenceLanguage(param("language") || param("lang") || param(""));
      r.meta.text(code, false);
      r.meta.codeLanguage(language);
      const title = param("title");
      const fence = code === "" ? "" : fencedBlock(code, language);
      if (title === "") return fence;
      return fence === "" ? `**${escapeInline(title)}**` : `**${escapeInline(title)}**\n\n${fence}`;
    }
    case "info":
    case "tip":
    case "note":
    case "warning":
    case "panel": {
      const title = param("title");
      const alert = name === "panel" ? "" : `[!${ALERTS[name] ?? "NOTE"}]`;
      if (title !== "") r.meta.text(title);
      const content = body();
      // `> [!NOTE]`, the title, a blank line and the body; without a title the body follows the marker directly.
      const head =
        title === "" ? alert : [alert, `**${escapeInline(title)}**`].filter((line) => line !== "").join("\n");
      const gap = title === "" ? "\n" : "\n\n";
      const all = head === "" ? content : content === "" ? head : `${head}${gap}${content}`;
      return all === "" ? "" : quoteBlock(all);
    }
    case "expand": {
      const title = param("title") || "Details";
      r.meta.text(title);
      return `<details>\n<summary>${escapeInline(title)}</summary>\n\n${body()}\n\n</details>`;
    }
    case "status": {
      const title = param("title") || param("colour") || param("color");
      r.meta.text(title);
      return title === "" ? "" : `[${escapeInline(title)}]`;
    }
    case "jira":
    case "jiraissues":
      return renderJira(r, param);
    case "include":
    case "excerpt-include": {
      const target = findResource(params);
      const label = name === "include" ? "Included page" : "Excerpt included from";
      if (target === undefined) {
        // Legacy macros name the page in their default parameter: `Title` or `SPACE:Title`.
        const named = param("");
        return named === "" ? `*${label}*` : `*${label}:* ${titleLink(r, named)}`;
      }
      const link = pageLink(r, target, undefined);
      const title = escapeInline(link.title);
      const ref = link.url === undefined ? `[[${title}]]` : `[${title}](${linkTarget(link.url)})`;
      return `*${label}:* ${ref}`;
    }
    case "profile": {
      const user = findResource(params);
      return user?.name === "ri:user" ? renderUser(r, user) : "";
    }
    case "html": {
      const code = plainBody === undefined ? "" : r.text(plainBody);
      r.meta.text(code, false);
      return code === "" ? "" : fencedBlock(code, "html");
    }
    case "widget": {
      const url = findResource(params)?.attribs["ri:value"] ?? param("url");
      r.meta.url(url);
      return url === "" ? "" : `*Embedded:* <${url}>`;
    }
  }
  if (MATH_BLOCK.has(name) || MATH_INLINE.has(name)) {
    const formula = plainBody === undefined ? param("body") : r.text(plainBody);
    r.meta.text(formula, false);
    if (formula.trim() === "") return "";
    if (MATH_INLINE.has(name) || mode === "inline") return `$${formula.trim().replace(/\s+/g, " ")}$`;
    r.meta.codeLanguage("math");
    return fencedBlock(formula, "math");
  }
  if (FILES.has(name)) {
    const file = findResource(params);
    const filename = file?.name === "ri:attachment" ? (file.attribs["ri:filename"] ?? "") : param("name");
    if (filename === "") return "";
    r.meta.attachment(filename);
    return `*Attached file:* [${escapeInline(filename)}](${linkTarget(attachmentUrl(r, filename))})`;
  }
  return unknownMacro(r, name, params, richBody, plainBody, depth, mode);
}

function findResource(params: Map<string, Element>): Element | undefined {
  for (const param of params.values()) {
    const stack: ChildNode[] = [...param.children];
    while (stack.length > 0) {
      const node = stack.pop() as ChildNode;
      if (!isTag(node)) continue;
      if (node.name.startsWith("ri:")) return node;
      stack.push(...node.children);
    }
  }
  return undefined;
}

/** Parameters that only lay out or identify a macro: nothing a reader would search for. */
const LAYOUT_PARAM =
  /^(?:atlassian-macro-output-type|macro-?id|local-?id|id|width|height|size|colou?r|bg-?colou?r|border.*|style|class|theme|align|float|.*-id)$/i;

/** Parameter values of a macro we cannot render, so a tab's title or a chart's source stay searchable. */
function parameterText(r: Renderer, params: Map<string, Element>): string {
  const parts: string[] = [];
  for (const [key, param] of params) {
    if (LAYOUT_PARAM.test(key)) continue;
    const value = r.plain(param.children);
    if (value === "") continue;
    r.meta.text(value);
    const shown = value.length > 500 ? `${value.slice(0, 500)}…` : value;
    parts.push(key === "" ? escapeInline(shown) : `${escapeInline(key)}: ${escapeInline(shown)}`);
  }
  return parts.join("; ");
}

function unknownMacro(
  r: Renderer,
  name: string,
  params: Map<string, Element>,
  richBody: Element | undefined,
  plainBody: Element | undefined,
  depth: number,
  mode: "block" | "inline",
): string {
  r.warnOnce(`unknown macro "${name}": kept its body`);
  const settings = parameterText(r, params);
  const note = `*[${escapeInline(name)} macro]*${settings === "" ? "" : ` ${settings}`}`;
  if (mode === "inline") {
    const text = richBody === undefined ? "" : r.inline(richBody.children, depth).trim();
    return text === "" ? note : `${note} ${text}`;
  }
  if (richBody !== undefined) {
    const content = r.blocks(richBody.children, depth);
    return content === "" ? note : `${note}\n\n${content}`;
  }
  if (plainBody !== undefined) {
    const text = r.text(plainBody);
    r.meta.text(text, false);
    // The body of a diagram or script macro (plantuml, mermaid) is code in the language the macro is named after.
    const language = fenceLanguage(name);
    if (language !== "") r.meta.codeLanguage(language);
    return text.trim() === "" ? note : `${note}\n\n${fencedBlock(text, language)}`;
  }
  return finishParagraph(note);
}
