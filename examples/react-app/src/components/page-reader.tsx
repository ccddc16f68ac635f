import { type PageDetailView, useConfluencePage } from "@archon/confluence-react";
import { useMemo } from "react";
import { formatDate } from "../lib/format.js";
import { renderMarkdown } from "../lib/markdown.js";
import { ErrorNote } from "./error-note.js";

function Markdown({ page }: { page: PageDetailView }) {
  const html = useMemo(() => renderMarkdown(page.markdown), [page.markdown]);
  if (page.markdown.trim() === "") return <p className="muted">This page has no content.</p>;
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the HTML was sanitized by DOMPurify in renderMarkdown.
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** A page's Markdown, rendered, with its labels and a link to Confluence. */
export function PageReader({ sourceId, pageId }: { sourceId: string; pageId: string }) {
  const page = useConfluencePage(pageId, { sourceId });
  if (page.isPending) return <p className="muted">Loading the page…</p>;
  if (page.isError) return <ErrorNote error={page.error} title="Could not load the page" />;
  const data = page.data;
  return (
    <article className="page-reader" aria-label={`Page ${data.title}`}>
      <header>
        <h2>{data.title}</h2>
        <p className="muted small">
          Version {data.version} · updated {formatDate(data.updatedAt)} · {data.metadata.wordCount} words ·{" "}
          <a href={data.webUrl} target="_blank" rel="noopener noreferrer">
            Open in Confluence
          </a>
        </p>
        {data.labels.length > 0 ? (
          <ul className="labels" aria-label="Labels">
            {data.labels.map((label) => (
              <li key={label}>{label}</li>
            ))}
          </ul>
        ) : null}
      </header>
      <Markdown page={data} />
    </article>
  );
}
