/** Reading pages and walking the page tree, as the tools and resources return them. */
import type { PageRecord } from "@archon/confluence-core";
import type { z } from "zod/v4";
import type { ToolContext } from "./context.js";
import { McpToolError } from "./errors.js";
import { findPage } from "./page-ref.js";
import type { pageTreeOutputShape, readPageOutputShape } from "./schemas.js";
import { splitIntoParts } from "./text.js";

export type PageView = z.output<z.ZodObject<typeof readPageOutputShape>>;
export type PageTree = z.output<z.ZodObject<typeof pageTreeOutputShape>>;

/** Finds a page the caller may read, by id or URL, optionally in one source. */
export async function readablePage(ctx: ToolContext, ref: string, sourceId?: string): Promise<PageRecord> {
  const sources =
    sourceId === undefined ? await ctx.sourcesFor("page:read") : [await ctx.requireSource("page:read", sourceId)];
  const page = await findPage(ctx.store, sources, ref);
  if (!(await ctx.can("page:read", { sourceId: page.sourceId, pageId: page.pageId }))) {
    throw new McpToolError(`Not allowed to read page ${page.pageId}.`);
  }
  return page;
}

/** One part of a page with its place in the space; `part` past the end is a tool error saying how many there are. */
export async function pageView(ctx: ToolContext, page: PageRecord, part: number): Promise<PageView> {
  const parts = splitIntoParts(page.markdown, ctx.options.pagePartChars);
  const chosen = parts[part - 1];
  if (!chosen) {
    throw new McpToolError(`Page ${page.pageId} has ${parts.length} part(s); part ${part} does not exist.`);
  }
  return {
    sourceId: page.sourceId,
    pageId: page.pageId,
    title: page.title,
    url: page.webUrl,
    spaceKey: page.spaceKey,
    breadcrumb: await ctx.breadcrumbOf(page),
    labels: [...page.labels],
    lastEditor: page.authorId,
    updatedAt: page.updatedAt,
    version: page.version,
    part,
    parts: parts.length,
    ...(parts.length > 1
      ? { outline: parts.flatMap((p, index) => p.headings.map((heading) => ({ heading, part: index + 1 }))) }
      : {}),
    markdown: chosen.markdown,
  };
}

/** A page as an assistant reads it: a short header, then the Markdown of the part. */
export function formatPage(view: PageView): string {
  const header = [
    `# ${view.title}`,
    `Path: ${view.breadcrumb.join(" › ")}`,
    `URL: ${view.url}`,
    `Page ${view.sourceId}/${view.pageId}, version ${view.version}, updated ${view.updatedAt ?? "unknown"}` +
      ` by ${view.lastEditor ?? "unknown"}${view.labels.length > 0 ? `; labels: ${view.labels.join(", ")}` : ""}`,
  ];
  if (view.parts > 1) {
    header.push(
      `Part ${view.part} of ${view.parts}; read another with part=N. Sections: ` +
        (view.outline ?? []).map((entry) => `${entry.heading} (${entry.part})`).join("; "),
    );
  }
  return `${header.join("\n")}\n\n${view.markdown}`;
}

/** The children of `rootId` (the space's top level when `null`) down to `depth` levels, depth first. */
export async function pageTree(
  ctx: ToolContext,
  sourceId: string,
  root: PageRecord | null,
  depth: number,
  limit: number,
): Promise<PageTree> {
  const nodes: PageTree["nodes"] = [];
  let omitted = 0;
  const walk = async (parentId: string | null, level: number) => {
    const list = await ctx.store.listPages({ sourceId, parentId, limit });
    if (level === 1) omitted = Math.max(0, list.total - list.items.length);
    for (const item of list.items) {
      const descend = level < depth && item.childCount > 0;
      const node = {
        pageId: item.pageId,
        title: item.title,
        parentId: item.parentId,
        depth: level,
        childCount: item.childCount,
        omittedChildren: descend ? 0 : item.childCount,
      };
      nodes.push(node);
      if (descend) {
        const before = nodes.length;
        await walk(item.pageId, level + 1);
        node.omittedChildren = Math.max(
          0,
          item.childCount - nodes.slice(before).filter((n) => n.depth === level + 1).length,
        );
      }
    }
  };
  await walk(root?.pageId ?? null, 1);
  return {
    sourceId,
    root: root ? { pageId: root.pageId, title: root.title, url: root.webUrl } : null,
    omitted,
    nodes,
  };
}

/** The tree as indented lines: `title (id)`, with a note of children left out. */
export function formatTree(tree: PageTree): string {
  const head = tree.root
    ? `${tree.root.title} (${tree.root.pageId}) ${tree.root.url}`
    : `Top level of ${tree.sourceId}`;
  const lines = tree.nodes.map((node) => {
    const more = node.omittedChildren > 0 ? ` +${node.omittedChildren} more` : "";
    return `${"  ".repeat(node.depth)}${node.title} (${node.pageId})${more}`;
  });
  const more = tree.omitted > 0 ? [`  +${tree.omitted} more (raise limit)`] : [];
  return [head, ...(lines.length > 0 ? lines : ["  (no child pages)"]), ...more].join("\n");
}
