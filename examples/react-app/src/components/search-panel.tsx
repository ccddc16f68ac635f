import {
  type SearchHitView,
  type SearchInput,
  type SearchMode,
  useConfluenceSearch,
  useConfluenceSources,
} from "@archon/confluence-react";
import { type FormEvent, useMemo, useState } from "react";
import { highlight, plainText, queryTerms, snippet } from "../lib/highlight.js";
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

function Hit({ hit, terms, onOpen }: { hit: SearchHitView; terms: string[]; onOpen: () => void }) {
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
        <code>{hit.sourceId}</code> · score {hit.score.toFixed(3)} ·{" "}
        {[hit.matched.keyword ? "keyword" : null, hit.matched.vector ? "vector" : null].filter(Boolean).join(" + ")}{" "}
        match ·{" "}
        <a href={hit.url} target="_blank" rel="noopener noreferrer">
          Confluence
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

/** Search with filters; matches are highlighted and a result opens its page. */
export function SearchPanel({ onOpen }: { onOpen: (sourceId: string, pageId: string) => void }) {
  const sources = useConfluenceSources();
  const [filters, setFilters] = useState<Filters>({
    query: "",
    sourceId: "",
    mode: "hybrid",
    labels: "",
    updatedAfter: "",
    limit: 10,
  });
  const [submitted, setSubmitted] = useState<SearchInput>();
  const search = useConfluenceSearch(submitted);
  const terms = useMemo(() => queryTerms(submitted?.query ?? ""), [submitted?.query]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (filters.query.trim() !== "") setSubmitted(toSearch(filters));
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
              {search.data.hits.length} results for “{submitted.query}” ({search.data.mode}
              {search.data.embeddingModel ? `, ${search.data.embeddingModel}` : ""})
              {search.isPlaceholderData ? " · updating…" : ""}
            </p>
            <ol className="hits" aria-label="Search results">
              {search.data.hits.map((hit) => (
                <Hit
                  key={`${hit.sourceId}:${hit.pageId}:${hit.chunkNumber}`}
                  hit={hit}
                  terms={terms}
                  onOpen={() => onOpen(hit.sourceId, hit.pageId)}
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
