import { codeSpan, escapeInline } from "./markdown.js";
import type { Renderer } from "./render.js";

/** Where a jira macro keeps its query, by the editor and version that wrote it. */
export const JQL_PARAMS = ["jqlQuery", "jqlquery", "jql", "JQL"] as const;

/**
 * A `jira` macro: one issue as its key (a link when the Jira site is known); a list, board or timeline as its JQL
 * query, with a link to the issue search and every issue key in the query kept in the metadata.
 */
export function renderJira(r: Renderer, param: (key: string) => string): string {
  const base = r.settings.jiraBaseUrl;
  // The legacy `{jira:OPS-1}` keeps the key in its default parameter.
  const key = param("key") || (/^[A-Z][A-Z0-9_]+-\d+$/.test(param("")) ? param("") : "");
  const jql = JQL_PARAMS.map(param).find((value) => value !== "") ?? "";
  const url = param("url");
  const parts: string[] = [];
  if (key !== "") {
    r.meta.jiraKey(key);
    parts.push(
      base === undefined ? escapeInline(key) : `[${escapeInline(key)}](${base}/browse/${encodeURIComponent(key)})`,
    );
  }
  if (jql !== "") {
    // Counts the query's words and keeps the issue keys it names (`key in (OPS-1, OPS-2)`).
    r.meta.text(jql);
    const query = encodeURIComponent(jql).replace(/\(/g, "%28").replace(/\)/g, "%29");
    const search = base === undefined ? "" : ` ([search](${base}/issues/?jql=${query}))`;
    parts.push(`*Jira issues:* ${codeSpan(jql)}${search}`);
  } else if (url !== "" && key === "") {
    r.meta.url(url);
    parts.push(`*Jira issues:* <${url}>`);
  }
  if (parts.length === 0) r.warnOnce("jira macro with no issue key or query: nothing to show");
  return parts.join(" ");
}
