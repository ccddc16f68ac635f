/** Terminal rendering for the command line: a progress line, a metrics table, search results. */
import type { SearchHit, SyncMetrics, SyncProgress } from "@archon/confluence-core";

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** One progress line, e.g. `[#####-----]  50% 150/300 pages | embedding | ETA 12s | rate-limit waits 0`. */
export function progressLine(progress: SyncProgress, waitingMs: number, width = 24): string {
  const percent = Math.max(0, Math.min(100, progress.percent));
  const filled = Math.round((percent / 100) * width);
  const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
  const eta = progress.etaMs === null ? "ETA --" : `ETA ${formatDuration(progress.etaMs)}`;
  const waits =
    waitingMs > 0
      ? `rate-limited, waiting ${formatDuration(waitingMs)} (${progress.rateLimitWaits} waits)`
      : `rate-limit waits ${progress.rateLimitWaits}`;
  return `${bar} ${percent.toFixed(0).padStart(3)}% ${progress.done}/${progress.total} pages | ${progress.stage} | ${eta} | ${waits}`;
}

/** Two aligned columns. */
export function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  const rule = `+-${"-".repeat(width)}-+-${"-".repeat(valueWidth)}-+`;
  const lines = rows.map(([label, value]) => `| ${label.padEnd(width)} | ${value.padStart(valueWidth)} |`);
  return [rule, ...lines, rule].join("\n");
}

export function metricsTable(metrics: SyncMetrics): string {
  return table([
    ["mode", metrics.mode],
    ["duration", formatDuration(metrics.durationMs)],
    ["pages listed", String(metrics.pagesListed)],
    ["pages fetched", String(metrics.pagesFetched)],
    ["pages indexed", String(metrics.pagesIndexed)],
    ["pages skipped (unchanged)", String(metrics.pagesSkipped)],
    ["pages moved", String(metrics.pagesMoved)],
    ["pages deleted", String(metrics.pagesDeleted)],
    ["pages failed", String(metrics.pagesFailed)],
    ["chunks written", String(metrics.chunksWritten)],
    ["chunks reused", String(metrics.chunksReused)],
    ["embedding calls", String(metrics.embeddingCalls)],
    ["embedding tokens", String(metrics.embeddingTokens)],
    ["API requests", String(metrics.apiRequests)],
    ["retries", String(metrics.retries)],
    ["rate-limit waits", `${metrics.rateLimitWaits} (${formatDuration(metrics.rateLimitWaitMs)})`],
  ]);
}

/** A short one-line excerpt of a chunk, preferring the part that mentions a query word. */
export function snippet(content: string, query: string, length = 160): string {
  const flat = content.replace(/\s+/g, " ").trim();
  if (flat.length <= length) return flat;
  const words = query
    .toLowerCase()
    .split(/\W+/)
    .filter((word) => word.length > 2);
  const lower = flat.toLowerCase();
  const at = words.map((word) => lower.indexOf(word)).filter((index) => index >= 0);
  const start = at.length > 0 ? Math.max(0, Math.min(...at) - 40) : 0;
  const excerpt = flat.slice(start, start + length);
  return `${start > 0 ? "..." : ""}${excerpt}${start + length < flat.length ? "..." : ""}`;
}

export function formatHits(hits: readonly SearchHit[], query: string): string {
  return hits
    .map((hit, index) =>
      [
        `${index + 1}. ${hit.title}  (score ${hit.score.toFixed(4)})`,
        `   ${hit.breadcrumb.join(" > ")}`,
        `   ${hit.url}`,
        `   ${snippet(hit.content, query)}`,
      ].join("\n"),
    )
    .join("\n\n");
}
