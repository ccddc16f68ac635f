import {
  type SourceView,
  type SyncMode,
  useCancelSync,
  useConfluenceSources,
  useDeleteConfluenceSource,
  useSyncConfluence,
} from "@archon/confluence-react";
import { useState } from "react";
import { formatDate } from "../lib/format.js";
import { AddSourceForm } from "./add-source-form.js";
import { EmptyState, ErrorNote } from "./error-note.js";
import { SyncProgress } from "./sync-progress.js";

interface SourcesPanelProps {
  /** Operation followed per source id (the last sync started from this page). */
  operations: Record<string, string>;
  onOperation: (sourceId: string, operationId: string) => void;
  onBrowse: (sourceId: string) => void;
}

function SourceCard({
  source,
  operationId,
  onOperation,
  onBrowse,
}: {
  source: SourceView;
  operationId: string | undefined;
  onOperation: (sourceId: string, operationId: string) => void;
  onBrowse: (sourceId: string) => void;
}) {
  const [mode, setMode] = useState<SyncMode>("incremental");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const sync = useSyncConfluence({
    onSuccess: (started) => onOperation(started.sourceId, started.operationId),
    // Another tab (or the command line) is syncing it already: follow that sync instead.
    onError: (error, { sourceId }) => {
      if (error.code === "SYNC_ALREADY_RUNNING" && error.operationId) onOperation(sourceId, error.operationId);
    },
  });
  const cancel = useCancelSync();
  const remove = useDeleteConfluenceSource();
  const followed = operationId ?? source.sync.runningOperationId ?? undefined;
  const running = source.sync.runningOperationId !== null;

  return (
    <article className="card source-card" aria-label={`Source ${source.name}`} data-source-id={source.sourceId}>
      <header>
        <div>
          <h3>{source.name}</h3>
          <p className="muted small">
            <code>{source.sourceId}</code> · space <code>{source.spaceKey}</code> · {source.deployment} ·{" "}
            <span className="url">{source.baseUrl}</span>
          </p>
        </div>
        <button type="button" onClick={() => onBrowse(source.sourceId)}>
          Browse pages
        </button>
      </header>
      <p className="small">
        Last sync:{" "}
        {source.sync.lastCompletedAt ? `${formatDate(source.sync.lastCompletedAt)} (${source.sync.lastMode})` : "never"}
        {source.sync.failedPages > 0 ? <span className="bad"> · {source.sync.failedPages} pages failed</span> : null}
        {source.credentials ? (
          <span className="muted">
            {" "}
            ·{" "}
            {source.credentials.type === "basic" ? `API token for ${source.credentials.email ?? "?"}` : "access token"}
          </span>
        ) : (
          <span className="bad"> · no credentials stored</span>
        )}
      </p>
      <div className="actions">
        <select aria-label="Sync mode" value={mode} onChange={(event) => setMode(event.target.value as SyncMode)}>
          <option value="incremental">Incremental</option>
          <option value="full">Full</option>
        </select>
        <button
          type="button"
          className="primary"
          disabled={sync.isPending || running}
          onClick={() => sync.mutate({ sourceId: source.sourceId, mode })}
        >
          {running ? "Syncing…" : "Start sync"}
        </button>
        {running ? (
          <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate(source.sourceId)}>
            Cancel sync
          </button>
        ) : null}
        {confirmDelete ? (
          <span className="confirm">
            Delete this source and its pages?{" "}
            <button
              type="button"
              className="danger"
              onClick={() => remove.mutate(source.sourceId)}
              disabled={remove.isPending}
            >
              Delete
            </button>{" "}
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="ghost" onClick={() => setConfirmDelete(true)}>
            Delete…
          </button>
        )}
      </div>
      {sync.error && sync.error.code !== "SYNC_ALREADY_RUNNING" ? (
        <ErrorNote error={sync.error} title="Could not start the sync" />
      ) : null}
      <ErrorNote error={cancel.error} title="Could not cancel the sync" />
      <ErrorNote error={remove.error} title="Could not delete the source" />
      {followed ? <SyncProgress operationId={followed} /> : null}
    </article>
  );
}

/** Every source with its sync controls, and the form to add one. */
export function SourcesPanel({ operations, onOperation, onBrowse }: SourcesPanelProps) {
  const sources = useConfluenceSources();
  const [adding, setAdding] = useState(false);
  return (
    <div className="sources-panel">
      <div className="panel-head">
        <h2>Sources</h2>
        <button type="button" onClick={() => setAdding(!adding)} aria-expanded={adding}>
          {adding ? "Close" : "Add a source"}
        </button>
      </div>
      {adding ? <AddSourceForm onCreated={() => setAdding(false)} /> : null}
      {sources.isPending ? <p className="muted">Loading sources…</p> : null}
      <ErrorNote error={sources.error} title="Could not load the sources" />
      {sources.data?.length === 0 ? (
        <EmptyState title="No sources yet">Add a Confluence space to sync and search it.</EmptyState>
      ) : null}
      {sources.data?.map((source) => (
        <SourceCard
          key={source.sourceId}
          source={source}
          operationId={operations[source.sourceId]}
          onOperation={onOperation}
          onBrowse={onBrowse}
        />
      ))}
    </div>
  );
}
