/**
 * Finds a stored page from what an assistant has at hand: a page id, or a Confluence URL in any of the usual
 * shapes (Cloud `/wiki/spaces/KEY/pages/ID/Title`, Data Center `/pages/viewpage.action?pageId=ID`, and the by-title
 * `/display/KEY/Title` links that converted pages carry).
 */
import type { KnowledgeStore, PageRecord, SourceRecord } from "@archon/confluence-core";
import { McpToolError } from "./errors.js";

/** What a page reference names: an id, or a space and title. */
export type PageRef =
  | { readonly kind: "id"; readonly pageId: string; readonly host?: string }
  | { readonly kind: "title"; readonly spaceKey: string; readonly title: string; readonly host: string };

const PAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses a page id or URL; `null` when it is neither. */
export function parsePageRef(input: string): PageRef | null {
  const value = input.trim();
  if (PAGE_ID.test(value)) return { kind: "id", pageId: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const host = url.host.toLowerCase();
  const queryId = url.searchParams.get("pageId");
  if (queryId && PAGE_ID.test(queryId)) return { kind: "id", pageId: queryId, host };
  const segments = url.pathname.split("/").filter(Boolean).map(safeDecode);
  const pages = segments.indexOf("pages");
  const afterPages = segments[pages + 1];
  if (pages !== -1 && afterPages && /^\d+$/.test(afterPages)) return { kind: "id", pageId: afterPages, host };
  const display = segments.indexOf("display");
  const spaceKey = segments[display + 1];
  const title = segments[display + 2];
  if (display !== -1 && spaceKey && title) {
    return { kind: "title", spaceKey, title: title.replace(/\+/g, " "), host };
  }
  return null;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment.replace(/\+/g, "%20"));
  } catch {
    return segment;
  }
}

const hostOf = (baseUrl: string) => {
  try {
    return new URL(baseUrl).host.toLowerCase();
  } catch {
    return "";
  }
};

/**
 * Looks the reference up in `sources` (the ones the caller may read), in order. A URL only matches sources of its
 * site. Throws a {@link McpToolError} naming the input when it is not a page reference or no source has it.
 */
export async function findPage(
  store: KnowledgeStore,
  sources: readonly SourceRecord[],
  input: string,
): Promise<PageRecord> {
  const ref = parsePageRef(input);
  if (!ref) {
    throw new McpToolError(
      `"${clip(input)}" is neither a page id nor a Confluence page URL. Pass an id such as 12345 or a URL from a ` +
        "search result.",
    );
  }
  const candidates = ref.host ? sources.filter((source) => hostOf(source.baseUrl) === ref.host) : sources;
  if (ref.kind === "id") {
    for (const source of candidates) {
      const page = await store.getPage(source.sourceId, ref.pageId);
      if (page) return page;
    }
  } else {
    for (const source of candidates.filter((s) => s.spaceKey.toLowerCase() === ref.spaceKey.toLowerCase())) {
      const page = await findByTitle(store, source.sourceId, ref.title);
      if (page) return page;
    }
  }
  const what =
    ref.kind === "id" ? `Page ${ref.pageId}` : `No page titled "${clip(ref.title)}" in space ${ref.spaceKey}`;
  throw new McpToolError(
    ref.kind === "id"
      ? `${what} is not in any synced source you can read${ref.host ? ` on ${ref.host}` : ""}. Check the id, or ` +
          "call list_confluence_sources and sync_status to see what is synced."
      : `${what} is synced. Check the URL, or search for the title with search_confluence.`,
  );
}

/** Pages through a source's listing for an exact (then case-insensitive) title match. */
async function findByTitle(store: KnowledgeStore, sourceId: string, title: string): Promise<PageRecord | null> {
  let cursor: string | null = null;
  let loose: string | undefined;
  do {
    const list = await store.listPages({ sourceId, limit: 200, cursor });
    for (const item of list.items) {
      if (item.title === title) return store.getPage(sourceId, item.pageId);
      if (loose === undefined && item.title.toLowerCase() === title.toLowerCase()) loose = item.pageId;
    }
    cursor = list.nextCursor;
  } while (cursor);
  return loose === undefined ? null : store.getPage(sourceId, loose);
}

/** Keeps echoed input short. */
export function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
