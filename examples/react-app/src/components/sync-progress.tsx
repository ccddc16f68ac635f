import { type ContentTypeCountsView, useSyncProgress } from "@archon/confluence-react";
import { formatDuration } from "../lib/format.js";
import { ErrorNote } from "./error-note.js";

const stageLabels: Record<string, string> = {
  listing: "Listing pages",
  fetching: "Fetching pages",
  converting: "Converting to Markdown",
  chunking: "Chunking",
  embedding: "Embedding",
  storing: "Storing",
  deleting: "Removing deleted pages",
  done: "Done",
};

/** Content types in the order the per-type counts show them. */
const contentLabels = [
  ["page", "Pages"],
  ["blogpost", "Blog posts"],
  ["comment", "Comments"],
  ["attachment", "Attachments"],
] as const;

type OperationStatusShown = "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

/** A live progress bar for one sync: stage, counts and ETA while it runs; the outcome once it ended. */
export function SyncProgress({ operationId }: { operationId: string }) {
  const sync = useSyncProgress(operationId);
  const { operation, progress } = sync;
  const unknown = (sync.error as { code?: string } | null)?.code === "NOT_FOUND";
  if (sync.isPending && !unknown) {
    return sync.failureCount > 0 ? (
      <p className="connection-lost" role="status">
        Connection lost: the server is not answering. Retrying…
      </p>
    ) : (
      <p className="muted">Connecting to the sync…</p>
    );
  }
  if (unknown) {
    // The server no longer knows the sync: it was restarted (or the sync record expired) before the sync ended.
    return (
      <section className="sync-progress status-interrupted" aria-label="Sync progress" data-status="interrupted">
        <div className="sync-head">
          <strong>Sync interrupted</strong>
        </div>
        <p className="muted small">
          The server stopped before this sync finished. What was synced is kept; the next sync resumes where it stopped.
        </p>
      </section>
    );
  }
  if (sync.isError && !operation) return <ErrorNote error={sync.error} title="Could not read the sync's progress" />;
  if (!operation) return null;

  const percent = Math.round(progress?.percent ?? 0);
  // "interrupted": a server that persists progress marks a sync whose process died.
  const status = operation.status as OperationStatusShown;
  const connectionLost = status === "running" && sync.failureCount > 0;
  const metrics = operation.metrics;
  const checkedOnly =
    status === "succeeded" && metrics !== null && metrics.pagesIndexed === 0 && metrics.pagesListed > 0;
  return (
    <section className={`sync-progress status-${status}`} aria-label="Sync progress" data-status={status}>
      <div className="sync-head">
        <strong>
          {status === "running"
            ? connectionLost
              ? "Connection lost"
              : `${operation.mode === "full" ? "Full" : "Incremental"} sync running`
            : status === "succeeded"
              ? "Sync finished"
              : status === "cancelled"
                ? "Sync cancelled"
                : status === "interrupted"
                  ? "Sync interrupted"
                  : "Sync failed"}
        </strong>
        <span className="stage">{progress ? (stageLabels[progress.stage] ?? progress.stage) : "Starting"}</span>
        <span className="percent">{percent}%</span>
      </div>
      <div
        className="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-label="Sync progress"
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      {connectionLost ? (
        <p className="connection-lost" role="status">
          Connection lost: the server is not answering, so this progress is from before. Retrying…
        </p>
      ) : null}
      {checkedOnly ? (
        <p className="checked-summary">
          Checked {metrics.pagesListed} pages: none changed since the last sync
          {metrics.pagesDeleted > 0 ? `, ${metrics.pagesDeleted} removed` : ""}.
        </p>
      ) : null}
      {status === "interrupted" ? (
        <p className="muted small">
          The server stopped before this sync finished. What was synced is kept; the next sync resumes where it stopped.
        </p>
      ) : null}
      <dl className="counts">
        <div>
          <dt>{checkedOnly ? "Pages checked" : "Pages"}</dt>
          <dd>{checkedOnly ? metrics.pagesListed : `${progress?.done ?? 0} / ${progress?.total ?? "?"}`}</dd>
        </div>
        <div>
          <dt>Indexed</dt>
          <dd>{progress?.indexed ?? 0}</dd>
        </div>
        <div>
          <dt>Unchanged</dt>
          <dd>
            {checkedOnly
              ? Math.max(metrics.pagesSkipped, metrics.pagesListed - metrics.pagesFailed)
              : (progress?.skipped ?? 0)}
          </dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd className={progress?.failed ? "bad" : undefined}>{progress?.failed ?? 0}</dd>
        </div>
        <div>
          <dt>Deleted</dt>
          <dd>{progress?.deleted ?? 0}</dd>
        </div>
        <div>
          <dt>{status === "running" ? "ETA" : "Took"}</dt>
          <dd className="eta">
            {status === "running"
              ? connectionLost
                ? "—"
                : progress?.etaMs == null
                  ? "estimating…"
                  : formatDuration(progress.etaMs)
              : operation.metrics
                ? formatDuration(operation.metrics.durationMs)
                : "—"}
          </dd>
        </div>
        {progress?.rateLimitWaits ? (
          <div>
            <dt>Rate-limit waits</dt>
            <dd>{progress.rateLimitWaits}</dd>
          </div>
        ) : null}
      </dl>
      <ContentCounts counts={progress?.contentTypes ?? metrics?.contentTypes} />
      {status === "running" && !connectionLost ? (
        <p className="muted small">Updates via {sync.transport === "stream" ? "live event stream" : "polling"}</p>
      ) : null}
      {operation.error ? (
        <ErrorNote error={new Error(operation.error.message)} title={`Sync ${status} (${operation.error.code})`} />
      ) : null}
    </section>
  );
}

/** Indexed and removed items per content type (pages, blog posts, comments, attached files) of this sync so far. */
function ContentCounts({ counts }: { counts: ContentTypeCountsView | undefined }) {
  const shown = contentLabels.filter(([type]) => counts?.[type] !== undefined);
  if (counts === undefined || shown.length === 0) return null;
  return (
    <dl className="counts content-counts" aria-label="Indexed by content type">
      {shown.map(([type, label]) => {
        const count = counts[type] ?? { indexed: 0, deleted: 0 };
        return (
          <div key={type} data-content-type={type}>
            <dt>{label}</dt>
            <dd>
              {count.indexed} indexed{count.deleted > 0 ? `, ${count.deleted} removed` : ""}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
