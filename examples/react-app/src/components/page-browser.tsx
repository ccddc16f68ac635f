import { useConfluencePage, useConfluenceSources, useInfiniteConfluencePages } from "@archon/confluence-react";
import { useState } from "react";
import type { TrailItem } from "../lib/trail.js";
import { Breadcrumbs } from "./breadcrumbs.js";
import { EmptyState, ErrorNote } from "./error-note.js";
import { PageReader } from "./page-reader.js";

const ROOT = "root";

/** The page's path as the server gives it (stored pages and Cloud folders, root first), then the page itself. */
function useTrail(sourceId: string, pageId: string | undefined, sourceName: string): TrailItem[] {
  const page = useConfluencePage(pageId, { sourceId });
  const trail: TrailItem[] = [{ id: ROOT, label: sourceName }];
  if (!pageId) return trail;
  for (const item of page.data?.breadcrumb.slice(0, -1) ?? []) {
    trail.push({ id: item.id, label: item.title, ...(item.kind === "folder" ? { folder: true } : {}) });
  }
  trail.push({ id: pageId, label: page.data?.title ?? "…" });
  return trail;
}

function ChildList({
  sourceId,
  parentId,
  onOpen,
  current,
  siblingsOf,
  nested = false,
}: {
  sourceId: string;
  parentId: string;
  onOpen: (id: string) => void;
  /** The page being read, marked in the list. */
  current?: string | undefined;
  /** For a page without children: its parent, whose children (this page's siblings) are shown instead. */
  siblingsOf?: string | undefined;
  /** Inside an expanded item: no heading line. */
  nested?: boolean;
}) {
  const pages = useInfiniteConfluencePages(sourceId, { parentId, limit: 50 });
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((open) => {
      const next = new Set(open);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  if (pages.isPending) return <p className="muted">Loading pages…</p>;
  if (pages.isError) return <ErrorNote error={pages.error} title="Could not list the pages" />;
  const items = pages.data.pages.flatMap((page) => page.items);
  const total = pages.data.pages[0]?.total ?? 0;
  if (items.length === 0 && siblingsOf !== undefined) {
    return <ChildList sourceId={sourceId} parentId={siblingsOf} onOpen={onOpen} current={current ?? parentId} />;
  }
  if (items.length === 0) {
    return parentId === ROOT ? (
      <EmptyState title="No pages yet">Start a sync of this source to see its page tree.</EmptyState>
    ) : (
      <EmptyState title="No child pages" />
    );
  }
  return (
    <div className={nested ? "child-list nested" : "child-list"}>
      <p className={nested ? "visually-hidden" : "muted small"}>
        {total}{" "}
        {parentId === ROOT
          ? "top-level pages"
          : current === undefined || current === parentId
            ? "child pages"
            : "pages at this level"}
      </p>
      {pages.hasPreviousPage ? (
        <button type="button" className="ghost" onClick={() => pages.fetchPreviousPage()}>
          Show earlier pages
        </button>
      ) : null}
      <ul className="tree">
        {items.map((item) => (
          <li key={item.pageId} className={item.pageId === current ? "current" : undefined}>
            <button
              type="button"
              className="link"
              aria-current={item.pageId === current ? "page" : undefined}
              onClick={() => onOpen(item.pageId)}
            >
              {item.title}
            </button>
            {item.childCount > 0 ? (
              <button
                type="button"
                className="badge expander"
                aria-expanded={expanded.has(item.pageId)}
                aria-label={`${expanded.has(item.pageId) ? "Hide" : "Show"} the ${item.childCount} child pages of ${item.title}`}
                onClick={() => toggle(item.pageId)}
              >
                {expanded.has(item.pageId) ? "▾" : "▸"} {item.childCount}
              </button>
            ) : null}
            {expanded.has(item.pageId) ? (
              <ChildList sourceId={sourceId} parentId={item.pageId} onOpen={onOpen} current={current} nested />
            ) : null}
          </li>
        ))}
      </ul>
      {pages.hasNextPage ? (
        <button type="button" disabled={pages.isFetchingNextPage} onClick={() => pages.fetchNextPage()}>
          {pages.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </div>
  );
}

/** Browse a source's page tree: children of the current page on the left, the page itself on the right. */
export function PageBrowser({
  sourceId,
  pageId,
  onNavigate,
}: {
  sourceId: string | undefined;
  pageId: string | undefined;
  onNavigate: (sourceId: string | undefined, pageId: string | undefined) => void;
}) {
  const sources = useConfluenceSources();
  const chosen = sourceId ?? sources.data?.[0]?.sourceId;
  const source = sources.data?.find((candidate) => candidate.sourceId === chosen);
  const trail = useTrail(chosen ?? "", chosen ? pageId : undefined, source?.name ?? chosen ?? "");
  // The trail ends with the page itself; the item before it is its parent (the space root for top-level pages).
  const parentOfPage = pageId && trail.length >= 2 ? trail[trail.length - 2]?.id : undefined;

  if (sources.isPending) return <p className="muted">Loading sources…</p>;
  if (sources.isError) return <ErrorNote error={sources.error} title="Could not load the sources" />;
  if (!chosen) return <EmptyState title="No sources yet">Add a source first, then sync it.</EmptyState>;

  return (
    <div className="page-browser">
      <div className="panel-head">
        <h2>Browse</h2>
        <label className="inline">
          Source{" "}
          <select value={chosen} onChange={(event) => onNavigate(event.target.value, undefined)}>
            {sources.data.map((candidate) => (
              <option key={candidate.sourceId} value={candidate.sourceId}>
                {candidate.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Breadcrumbs items={trail} onSelect={(id) => onNavigate(chosen, id === ROOT ? undefined : id)} />
      <div className="split">
        <aside aria-label="Page tree">
          <ChildList
            key={`${chosen}:${pageId ?? ROOT}`}
            sourceId={chosen}
            parentId={pageId ?? ROOT}
            current={pageId}
            siblingsOf={parentOfPage}
            onOpen={(id) => onNavigate(chosen, id)}
          />
        </aside>
        <section className="reader">
          {pageId ? (
            <PageReader sourceId={chosen} pageId={pageId} />
          ) : (
            <EmptyState title={source?.name ?? chosen}>Choose a page in the tree to read it.</EmptyState>
          )}
        </section>
      </div>
    </div>
  );
}
