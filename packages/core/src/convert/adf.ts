import type { Element } from "domhandler";
import { isTag } from "domhandler";
import { quoteBlock } from "./markdown.js";
import type { Renderer } from "./render.js";
import { findChild } from "./tags.js";

/**
 * The GitHub alert of each panel type of the current editor, by colour: blue info and purple note are notes, green
 * success a tip, yellow warning a warning, red error a caution.
 */
const PANEL_ALERTS: Readonly<Record<string, string>> = {
  info: "NOTE",
  note: "NOTE",
  success: "TIP",
  warning: "WARNING",
  error: "CAUTION",
};

function attribute(node: Element, key: string): string | undefined {
  for (const child of node.children) {
    if (isTag(child) && child.name === "ac:adf-attribute" && child.attribs.key === key) {
      return child.children
        .map((c) => ("data" in c ? String(c.data) : ""))
        .join("")
        .trim();
    }
  }
  return undefined;
}

/**
 * A panel written by the current editor (`ac:adf-node type="panel"`), as a callout of its kind: `> [!NOTE]` and so
 * on for the coloured types, a quote led by its emoji for a custom panel. Undefined when the node has no content, so
 * the caller falls back to the stored fallback body.
 */
export function adfPanel(r: Renderer, node: Element, depth: number): string | undefined {
  const content = findChild(node, "ac:adf-content");
  if (content === undefined) return undefined;
  const type = (attribute(node, "panel-type") ?? "info").toLowerCase();
  const body = r.blocks(content.children, depth);
  const alert = PANEL_ALERTS[type];
  if (alert !== undefined) return quoteBlock(body === "" ? `[!${alert}]` : `[!${alert}]\n${body}`);
  // A custom panel has no kind beyond its icon: keep the icon in front of the text.
  const icon = attribute(node, "panel-icon-text") || attribute(node, "panel-icon") || "";
  const all = icon === "" ? body : body === "" ? icon : `${icon}\n${body}`;
  return all === "" ? "" : quoteBlock(all);
}
