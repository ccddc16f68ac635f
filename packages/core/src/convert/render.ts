import { type ChildNode, type Element, isCDATA, isTag, isText } from "domhandler";
import type { ConvertContext } from "../ports/converter.js";
import { adfPanel } from "./adf.js";
import { emoticonText } from "./emoticons.js";
import { renderImage, renderLink, renderUser } from "./links.js";
import { isInlineMacro, renderMacro } from "./macros.js";
import {
  codeSpan,
  collapseSpace,
  escapeInline,
  fencedBlock,
  finishParagraph,
  indentBlock,
  quoteBlock,
  scanText,
  wrapInline,
} from "./markdown.js";
import type { MetadataCollector } from "./metadata.js";
import { renderTable } from "./table.js";
import {
  BLOCK_TAGS,
  findChild,
  IGNORED,
  INLINE_WRAPPERS,
  isUnknownStorageElement,
  TRANSPARENT_BLOCKS,
} from "./tags.js";

/** Settings the renderer reads; already validated by the converter. */
export interface RenderSettings {
  readonly jiraBaseUrl?: string;
  readonly maxDepth: number;
}

const LIST_ITEM = /^(?:[-*+] |\d+[.)] )/;

/** Walks the parsed storage tree once and writes Markdown, feeding the metadata collector on the way. */
export class Renderer {
  private deepWarned = false;
  private readonly warned = new Set<string>();

  constructor(
    readonly context: ConvertContext,
    readonly settings: RenderSettings,
    readonly meta: MetadataCollector,
    readonly warnings: string[],
  ) {}

  /** Adds a warning unless the same one was already given. */
  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnings.push(message);
  }

  /** Markdown for a sequence of nodes as blocks separated by blank lines. */
  blocks(nodes: readonly ChildNode[], depth: number): string {
    // `blockList(nodes, depth).join("\n\n")`, built by concatenation: no array, and no copy of nested blocks' text.
    let out = "";
    let inline = "";
    let inInline = false;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as ChildNode;
      if (isTag(node) && (this.isBlock(node) || this.wrapsBlocks(node))) {
        if (inInline) {
          const paragraph = finishParagraph(inline);
          if (paragraph !== "") out = out === "" ? paragraph : `${out}\n\n${paragraph}`;
          inline = "";
          inInline = false;
        }
        const block = this.block(node, depth + 1);
        if (block !== "") out = out === "" ? block : `${out}\n\n${block}`;
      } else {
        inline += this.inlineNode(node, depth + 1);
        inInline = true;
      }
    }
    if (inInline) {
      const paragraph = finishParagraph(inline);
      if (paragraph !== "") out = out === "" ? paragraph : `${out}\n\n${paragraph}`;
    }
    return out;
  }

  /** The blocks of a node sequence; consecutive inline nodes become one paragraph. */
  blockList(nodes: readonly ChildNode[], depth: number): string[] {
    const out: string[] = [];
    let inline = "";
    let inInline = false;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as ChildNode;
      if (isTag(node) && (this.isBlock(node) || this.wrapsBlocks(node))) {
        if (inInline) {
          const paragraph = finishParagraph(inline);
          if (paragraph !== "") out.push(paragraph);
          inline = "";
          inInline = false;
        }
        const block = this.block(node, depth + 1);
        if (block !== "") out.push(block);
      } else {
        inline += this.inlineNode(node, depth + 1);
        inInline = true;
      }
    }
    if (inInline) {
      const paragraph = finishParagraph(inline);
      if (paragraph !== "") out.push(paragraph);
    }
    return out;
  }

  /** Inline Markdown for a sequence of nodes; a line break is a bare `\n` until the paragraph is finished. */
  inline(nodes: readonly ChildNode[], depth: number): string {
    let out = "";
    for (const node of nodes) out += this.inlineNode(node, depth + 1);
    return out;
  }

  /** Text content of a node, iteratively (safe on any depth); whitespace kept as is. */
  text(node: ChildNode | readonly ChildNode[]): string {
    const stack: ChildNode[] = Array.isArray(node) ? [...node].reverse() : [node as ChildNode];
    let out = "";
    while (stack.length > 0) {
      const current = stack.pop() as ChildNode;
      if (isText(current)) out += current.data;
      else if (isTag(current) || isCDATA(current)) {
        if (isTag(current) && IGNORED.has(current.name)) continue;
        for (let i = current.children.length - 1; i >= 0; i--) stack.push(current.children[i] as ChildNode);
      }
    }
    return out;
  }

  /** Plain text of inline Markdown content: whitespace collapsed, for headings, titles and link texts. */
  plain(nodes: readonly ChildNode[]): string {
    return collapseSpace(this.text(nodes)).trim();
  }

  /**
   * An inline wrapper (`<strong>`, `<span>`) around block content, as an unclosed tag in malformed input leaves it:
   * its blocks are kept as blocks and the wrapper's formatting is dropped.
   */
  private wrapsBlocks(element: Element, depth = 0): boolean {
    // Bounded look-ahead keeps this linear on hostile nesting.
    if (depth > 8 || (!INLINE_WRAPPERS.has(element.name) && !isUnknownStorageElement(element.name))) return false;
    for (const child of element.children) {
      if (isTag(child) && (this.isBlock(child) || this.wrapsBlocks(child, depth + 1))) return true;
    }
    return false;
  }

  isBlock(element: Element): boolean {
    const name = element.name;
    if (name === "ac:structured-macro" || name === "ac:macro") return !isInlineMacro(element);
    return BLOCK_TAGS.has(name);
  }

  private tooDeep(node: ChildNode, depth: number): string | undefined {
    if (depth <= this.settings.maxDepth) return undefined;
    if (!this.deepWarned) {
      this.deepWarned = true;
      this.warnings.push(`nesting deeper than ${this.settings.maxDepth} levels was flattened to text`);
    }
    const text = collapseSpace(this.text(node));
    this.meta.text(text);
    return escapeInline(text);
  }

  /** One block-level element. */
  block(element: Element, depth: number): string {
    const flat = this.tooDeep(element, depth);
    if (flat !== undefined) return flat.trim();
    const name = element.name;
    if (TRANSPARENT_BLOCKS.has(name)) return this.blocks(element.children, depth);
    switch (name) {
      case "h1":
      case "h2":
      case "h3":
      case "h4":
      case "h5":
      case "h6": {
        const level = Number(name[1]);
        // After `## ` nothing reads as a list or a quote: no line-start escapes (`## 1. Scope`, not `## 1\. Scope`).
        const text = finishParagraph(this.inline(element.children, depth), false).replace(/ {2}\n/g, " ");
        if (text === "") return "";
        this.meta.heading(level, this.plain(element.children));
        return `${"#".repeat(level)} ${text}`;
      }
      case "ul":
      case "ol":
        return this.list(element, depth);
      case "li":
        return this.listItem(element.children, "- ", depth);
      case "ac:task-list":
        return this.taskList(element, depth);
      case "blockquote": {
        const body = this.blocks(element.children, depth);
        return body === "" ? "" : quoteBlock(body);
      }
      case "pre": {
        const body = this.text(element).replace(/^\n/, "");
        this.meta.text(body, false);
        return fencedBlock(body, "");
      }
      case "hr":
        return "---";
      case "table":
        return renderTable(this, element, depth);
      case "dt":
      case "summary": {
        const text = finishParagraph(this.inline(element.children, depth));
        return text === "" ? "" : `**${text}**`;
      }
      case "dl":
        return this.blocks(element.children, depth);
      case "ac:adf-extension":
        return this.adfExtension(element, depth);
      case "ac:structured-macro":
      case "ac:macro":
        return renderMacro(this, element, depth, "block");
      default:
        if (isUnknownStorageElement(name)) this.warnOnce(`unknown element <${name}>: kept its text`);
        return this.blocks(element.children, depth);
    }
  }

  private list(element: Element, depth: number): string {
    const ordered = element.name === "ol";
    let number = ordered ? Number.parseInt(element.attribs.start ?? "1", 10) : 1;
    if (!Number.isFinite(number)) number = 1;
    const items: string[] = [];
    for (const child of element.children) {
      if (isTag(child) && child.name === "li" && /list-style-type:\s*none/i.test(child.attribs.style ?? "")) {
        // A marker-less item only holds a nested list: it belongs under the item before it, not as an item of its own.
        const body = this.blocks(child.children, depth + 1);
        const indent = " ".repeat(ordered ? `${number}. `.length : 2);
        if (body !== "") items.push(indentBlock(body, indent, indent));
      } else if (isTag(child) && child.name === "li") {
        const item = this.listItem(child.children, ordered ? `${number}. ` : "- ", depth + 1);
        number++;
        if (item !== "") items.push(item);
      } else if (isTag(child) || (isText(child) && child.data.trim() !== "")) {
        // Stray content directly inside a list: keep it as an item rather than lose it.
        const item =
          isTag(child) && this.isBlock(child) ? this.block(child, depth + 1) : this.inlineNode(child, depth + 1);
        const text = finishParagraph(item);
        if (text !== "") items.push(LIST_ITEM.test(text) ? text : indentBlock(text, "- ", "  "));
      }
    }
    return items.join("\n");
  }

  /** A list item: its first block on the marker line, the rest indented under it; nested lists stay tight. */
  listItem(
    children: readonly ChildNode[],
    marker: string,
    depth: number,
    extra: readonly string[] = [],
    indent = " ".repeat(marker.length),
  ): string {
    const parts = [...this.blockList(children, depth), ...extra];
    let body = "";
    for (const part of parts) {
      if (body === "") body = part;
      else body += LIST_ITEM.test(part) ? `\n${part}` : `\n\n${part}`;
    }
    if (body === "") return marker === "- " ? "" : marker.trimEnd();
    return indentBlock(body, marker, indent);
  }

  private taskList(element: Element, depth: number): string {
    const items: string[] = [];
    for (const task of element.children) {
      if (!isTag(task) || task.name !== "ac:task") continue;
      let done = false;
      let body: Element | undefined;
      const nested: string[] = [];
      for (const part of task.children) {
        if (!isTag(part)) continue;
        if (part.name === "ac:task-status") done = this.plain(part.children) === "complete";
        else if (part.name === "ac:task-body") body = part;
        else if (part.name === "ac:task-list") nested.push(this.taskList(part, depth + 1));
      }
      const marker = done ? "- [x] " : "- [ ] ";
      // Content of a task item starts after `- `, so nested blocks are indented by two, not by the checkbox width.
      items.push(this.listItem(body?.children ?? [], marker, depth + 1, nested, "  "));
    }
    return items.join("\n");
  }

  private adfExtension(element: Element, depth: number): string {
    const node = findChild(element, "ac:adf-node");
    if (node?.attribs.type === "panel") {
      const panel = adfPanel(this, node, depth);
      if (panel !== undefined) return panel;
    }
    const fallback = findChild(element, "ac:adf-fallback");
    if (fallback !== undefined) return this.blocks(fallback.children, depth);
    return node === undefined
      ? ""
      : this.blocks(
          node.children.filter((c) => !isTag(c) || c.name !== "ac:adf-attribute"),
          depth,
        );
  }

  /** Inline Markdown of a text node: whitespace collapsed, counted and scanned for issue keys, escaped. */
  private textRun(data: string): string {
    let text = data;
    let scan = scanText(text);
    if (scan < 0) {
      text = text.replace(/\s+/g, " ");
      scan = scanText(text);
    }
    this.meta.countedText(text, Math.floor(scan / 4), (scan & 2) !== 0);
    return (scan & 1) !== 0 ? escapeInline(text) : text;
  }

  /** One inline node. */
  inlineNode(node: ChildNode, depth: number): string {
    if (isText(node)) return this.textRun(node.data);
    if (isCDATA(node)) {
      const text = collapseSpace(this.text(node));
      this.meta.text(text);
      return escapeInline(text);
    }
    if (!isTag(node)) return "";
    const flat = this.tooDeep(node, depth);
    if (flat !== undefined) return flat;
    const name = node.name;
    if (IGNORED.has(name)) return "";
    switch (name) {
      case "strong":
      case "b":
        return wrapInline(this.inline(node.children, depth), "**");
      case "em":
      case "i":
      case "cite":
        return wrapInline(this.inline(node.children, depth), "*");
      case "s":
      case "del":
      case "strike":
        return wrapInline(this.inline(node.children, depth), "~~");
      case "code":
      case "tt":
      case "kbd":
      case "samp": {
        const text = collapseSpace(this.text(node));
        this.meta.text(text, false);
        return codeSpan(text);
      }
      case "br":
        return "\n";
      case "time": {
        const date = node.attribs.datetime ?? this.plain(node.children);
        this.meta.text(date, false);
        return escapeInline(date);
      }
      case "a":
      case "ac:link":
      case "ri:url":
        return renderLink(this, node, depth);
      case "img":
      case "ac:image":
        return renderImage(this, node);
      case "ri:user":
        return renderUser(this, node);
      case "ac:emoticon":
        return emoticonText(node.attribs);
      case "ac:structured-macro":
      case "ac:macro":
        return renderMacro(this, node, depth, "inline");
      default:
        if (isUnknownStorageElement(name)) this.warnOnce(`unknown element <${name}>: kept its text`);
        // Blocks met in inline position (a macro inside a heading, say) keep their text on one line.
        if (this.isBlock(node)) return ` ${this.block(node, depth).replace(/\n+/g, " ")} `;
        return this.inline(node.children, depth);
    }
  }
}
