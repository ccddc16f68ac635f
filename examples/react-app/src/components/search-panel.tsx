import {
  type SearchHitView,
  type SearchInput,
  type SearchMode,
  useConfluenceSearch,
  useConfluenceSources,
} from "@archon/confluence-react";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { groupByPage } from "../lib/group.js";
import { highlight, plainText, queryTerms, snippet } from "../lib/highlight.js";
import type { SearchParams } from "../lib/route.js";
import { EmptyState, ErrorNote } from "./error-note.js";

function Highlighted({ text, terms }: { text: string; terms: string[] }) {
  return (
    <>
      {highlight(text, terms).map((segment, index) =>
        segment.match ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional and never reordered.
          <mark key={index}>{segment.text}</mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional and never reordered.
          <span key={index}>{segment.text}</span>
        ),
      )}
    </>
  );
}

function Hit({ hit, more, terms, onOpen }: { hit: SearchHitView; more: number; terms: string[]; onOpen: () => void }) {
  const text = useMemo(() => snippet(plainText(hit.content), terms), [hit.content, terms]);
  return (
    <li className="hit">
      <button type="button" className="link hit-title" onClick={onOpen}>
        <Highlighted text={hit.title} terms={terms} />
      </button>
      {hit.breadcrumb.length > 1 ? <p className="muted small">{hit.breadcrumb.join(" › ")}</p> : null}
      <p className="snippet">
        <Highlighted text={text} terms={terms} />
      </p>
      <p className="muted small">
        <code>{hit.sourceId}</code> ·{" "}
        {[hit.matched.keyword ? "keyword" : null, hit.matched.vector ? "vector" : null].filter(Boolean).join(" + ")}{" "}
        match
        {more > 0 ? (
          <span className="hit-more">· {more === 1 ? "1 more match" : `${more} more matches`} in this page</span>
        ) : null}{" "}
        ·{" "}
        <a href={hit.url} target="_blank" rel="noopener noreferrer">
          Open in Confluence
        </a>
      </p>
    </li>
  );
}

interface Filters {
  query: string;
  sourceId: string;
  mode: SearchMode;
  labels: string;
  updatedAfter: string;
  limit: number;
}

function toSearch(filters: Filters): SearchInput {
  const labels = filters.labels
    .split(",")
    .map((label) => label.trim())
    .filter(Boolean);
  const scoped = {
    ...(filters.sourceId ? { sourceIds: [filters.sourceId] } : {}),
    ...(labels.length > 0 ? { labels } : {}),
    ...(filters.updatedAfter ? { updatedAfter: `${filters.updatedAfter}T00:00:00.000Z` } : {}),
  };
  return {
    query: filters.query.trim(),
    mode: filters.mode,
    limit: filters.limit,
    ...(Object.keys(scoped).length > 0 ? { filters: scoped } : {}),
  };
}

function filtersOf(params: SearchParams | undefined): Filters {
  const mode = params?.mode === "keyword" || params?.mode === "vector" ? params.mode : "hybrid";
  const limit = Number(params?.limit);
  return {
    query: params?.q ?? "",
    sourceId: params?.source ?? "",
    mode,
    labels: params?.labels ?? "",
    updatedAfter: params?.after ?? "",
    limit: [5, 10, 20, 50].includes(limit) ? limit : 10,
  };
}

function paramsOf(filters: Filters): SearchParams {
  return {
    q: filters.query.trim(),
    ...(filters.mode !== "hybrid" ? { mode: filters.mode } : {}),
    ...(filters.sourceId ? { source: filters.sourceId } : {}),
    ...(filters.labels.trim() ? { labels: filters.labels.trim() } : {}),
    ...(filters.updatedAfter ? { after: filters.updatedAfter } : {}),
    ...(filters.limit !== 10 ? { limit: String(filters.limit) } : {}),
  };
}

/**
 * Search with filters, kept in the URL (so Back and shared links restore it); one result per page with its best
 * match highlighted, and a result opens its page.
 */
export function SearchPanel({
  params,
  onSearch,
  onOpen,
}: {
  params: SearchParams | undefined;
  onSearch: (params: SearchParams) => void;
  onOpen: (sourceId: string, pageId: string) => void;
}) {
  const sources = useConfluenceSources();
  const [filters, setFilters] = useState<Filters>(() => filtersOf(params));
  // Back and Forward change the URL: the form follows it. The key stands for the params' content.
  const paramsKey = JSON.stringify(params ?? {});
  // biome-ignore lint/correctness/useExhaustiveDependencies: paramsKey is the content of params.
  const current = useMemo(() => params, [paramsKey]);
  useEffect(() => setFilters(filtersOf(current)), [current]);
  const submitted = useMemo(() => (current?.q ? toSearch(filtersOf(current)) : undefined), [current]);
  const search = useConfluenceSearch(submitted);
  const terms = useMemo(() => queryTerms(submitted?.query ?? ""), [submitted?.query]);
  const groups = useMemo(() => groupByPage(search.data?.hits ?? []), [search.data]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (filters.query.trim() !== "") onSearch(paramsOf(filters));
  };
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters({ ...filters, [key]: value });

  return (
    <div className="search-panel">
      <h2>Search</h2>
      <search>
        <form className="card search-form" aria-label="Search pages" onSubmit={submit}>
          <div className="row">
            <input
              type="search"
              name="query"
              aria-label="Search query"
              placeholder="Search every synced page…"
              value={filters.query}
              onChange={(event) => set("query", event.target.value)}
            />
            <button type="submit" className="primary" disabled={filters.query.trim() === ""}>
              Search
            </button>
          </div>
          <div className="row filters">
            <label className="inline">
              Source{" "}
              <select value={filters.sourceId} onChange={(event) => set("sourceId", event.target.value)}>
                <option value="">All sources</option>
                {sources.data?.map((source) => (
                  <option key={source.sourceId} value={source.sourceId}>
                    {source.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline">
              Mode{" "}
              <select value={filters.mode} onChange={(event) => set("mode", event.target.value as SearchMode)}>
                <option value="hybrid">Hybrid</option>
                <option value="keyword">Keyword</option>
                <option value="vector">Vector</option>
              </select>
            </label>
            <label className="inline">
              Labels{" "}
              <input
                name="labels"
                placeholder="runbook, how-to"
                value={filters.labels}
                onChange={(event) => set("labels", event.target.value)}
              />
            </label>
            <label className="inline">
              Updated after{" "}
              <input
                type="date"
                name="updatedAfter"
                value={filters.updatedAfter}
                onChange={(event) => set("updatedAfter", event.target.value)}
              />
            </label>
            <label className="inline">
              Results{" "}
              <select value={filters.limit} onChange={(event) => set("limit", Number(event.target.value))}>
                {[5, 10, 20, 50].map((limit) => (
                  <option key={limit} value={limit}>
                    {limit}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </form>
      </search>
      <ErrorNote error={search.error} title="Search failed" />
      {search.isFetching && !search.data ? <p className="muted">Searching…</p> : null}
      {submitted && search.data ? (
        search.data.hits.length === 0 ? (
          <EmptyState title={`No results for “${submitted.query}”`}>
            Try other words, fewer filters, or sync a source first.
          </EmptyState>
        ) : (
          <>
            <p className="muted small" aria-live="polite">
              {groups.length === 1 ? "1 page" : `${groups.length} pages`} for “{submitted.query}” ({search.data.mode}
              {search.data.embeddingModel ? `, ${search.data.embeddingModel}` : ""})
              {search.isPlaceholderData ? " · updating…" : ""}
            </p>
            <ol className="hits" aria-label="Search results">
              {groups.map(({ best, more }) => (
                <Hit
                  key={`${best.sourceId}:${best.pageId}`}
                  hit={best}
                  more={more}
                  terms={terms}
                  onOpen={() => onOpen(best.sourceId, best.pageId)}
                />
              ))}
            </ol>
          </>
        )
      ) : null}
      {!submitted ? (
        <EmptyState title="Search your Confluence">Type a question or keywords; filters narrow the results.</EmptyState>
      ) : null}
    </div>
  );
}
