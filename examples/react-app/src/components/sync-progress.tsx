import { useSyncProgress } from "@archon/confluence-react";
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

/** A live progress bar for one sync: stage, counts and ETA while it runs; the outcome once it ended. */
export function SyncProgress({ operationId }: { operationId: string }) {
  const sync = useSyncProgress(operationId);
  const { operation, progress } = sync;
  if (sync.isPending) return <p className="muted">Connecting to the sync…</p>;
  if (sync.isError && !operation) return <ErrorNote error={sync.error} title="Could not read the sync's progress" />;
  if (!operation) return null;

  const percent = Math.round(progress?.percent ?? 0);
  const status = operation.status;
  return (
    <section className={`sync-progress status-${status}`} aria-label="Sync progress" data-status={status}>
      <div className="sync-head">
        <strong>
          {status === "running"
            ? `${operation.mode === "full" ? "Full" : "Incremental"} sync running`
            : status === "succeeded"
              ? "Sync finished"
              : status === "cancelled"
                ? "Sync cancelled"
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
      <dl className="counts">
        <div>
          <dt>Pages</dt>
          <dd>
            {progress?.done ?? 0} / {progress?.total ?? "?"}
          </dd>
        </div>
        <div>
          <dt>Indexed</dt>
          <dd>{progress?.indexed ?? 0}</dd>
        </div>
        <div>
          <dt>Unchanged</dt>
          <dd>{progress?.skipped ?? 0}</dd>
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
              ? progress?.etaMs == null
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
      {status === "running" ? (
        <p className="muted small">Updates via {sync.transport === "stream" ? "live event stream" : "polling"}</p>
      ) : null}
      {operation.error ? (
        <ErrorNote error={new Error(operation.error.message)} title={`Sync ${status} (${operation.error.code})`} />
      ) : null}
    </section>
  );
}
