import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { FakeConfluenceState } from "../state.js";

/** What the page view needs to know about the server. */
export interface PageViewDeps {
  readonly state: FakeConfluenceState;
  readonly deployment: "cloud" | "datacenter";
  readonly contextPath: string;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function viewHref(deps: PageViewDeps, siteBase: string, page: { id: string; spaceKey: string }): string {
  return deps.deployment === "cloud"
    ? `${siteBase}/spaces/${page.spaceKey}/pages/${page.id}`
    : `${siteBase}/pages/viewpage.action?pageId=${page.id}`;
}

function param(macro: string, name: string): string | undefined {
  return new RegExp(`<ac:parameter ac:name="${name}">([^<]*)</ac:parameter>`).exec(macro)?.[1];
}

/**
 * Storage format to HTML a browser shows well enough to read: code macros become `<pre>`, panels boxes, tasks
 * checkboxes, mentions names and page links links. Not a faithful renderer; the SDK's converter is the real one.
 */
export function storageToHtml(body: string, deps: PageViewDeps, spaceKey: string, siteBase: string): string {
  const { state } = deps;
  const pageHref = (title: string) => {
    const page = state.pagesOf(spaceKey).find((p) => p.title === title);
    return page ? viewHref(deps, siteBase, page) : "#";
  };
  return body
    .replace(/<ac:structured-macro ac:name="code"[\s\S]*?<\/ac:structured-macro>/g, (macro) => {
      const code = /<ac:plain-text-body><!\[CDATA\[([\s\S]*?)\]\]><\/ac:plain-text-body>/.exec(macro)?.[1] ?? "";
      return `<pre class="code">${escapeHtml(code.replace(/\]\]\]\]><!\[CDATA\[>/g, "]]>"))}</pre>`;
    })
    .replace(
      /<ac:structured-macro ac:name="(info|note|warning|tip)"[^>]*>([\s\S]*?)<ac:rich-text-body>([\s\S]*?)<\/ac:rich-text-body><\/ac:structured-macro>/g,
      (_m, kind: string, head: string, inner: string) => {
        const title = param(head, "title");
        return `<div class="panel ${kind}">${title ? `<strong>${title}</strong>` : ""}${inner}</div>`;
      },
    )
    .replace(/<ac:structured-macro ac:name="jira"[\s\S]*?<\/ac:structured-macro>/g, (macro) => {
      const key = param(macro, "key") ?? "";
      return `<span class="jira">${escapeHtml(key)}</span>`;
    })
    .replace(/<ac:structured-macro ac:name="status"[\s\S]*?<\/ac:structured-macro>/g, (macro) => {
      return `<span class="status">${escapeHtml(param(macro, "title") ?? "")}</span>`;
    })
    .replace(/<ac:task-list>/g, '<ul class="tasks">')
    .replace(/<\/ac:task-list>/g, "</ul>")
    .replace(
      /<ac:task>[\s\S]*?<ac:task-status>(\w+)<\/ac:task-status>[\s\S]*?<ac:task-body>([\s\S]*?)<\/ac:task-body>[\s\S]*?<\/ac:task>/g,
      (_m, status: string, text: string) =>
        `<li><input type="checkbox" disabled${status === "complete" ? " checked" : ""}> ${text}</li>`,
    )
    .replace(/<ac:link><ri:user ri:(?:account-id|userkey)="([^"]+)"\s*\/><\/ac:link>/g, (_m, id: string) => {
      const user = state.users().find((u) => u.accountId === id || u.userKey === id);
      return `<span class="mention">@${escapeHtml(user?.displayName ?? "someone")}</span>`;
    })
    .replace(
      /<ac:link><ri:page ri:content-title="([^"]+)"[^>]*\/>(?:<ac:plain-text-link-body><!\[CDATA\[([^\]]*)\]\]><\/ac:plain-text-link-body>)?<\/ac:link>/g,
      (_m, title: string, text: string | undefined) => `<a href="${pageHref(title)}">${text ?? title}</a>`,
    )
    .replace(/<ac:structured-macro[\s\S]*?<\/ac:structured-macro>/g, "")
    .replace(/<\/?(ac|ri):[^>]*>/g, "");
}

const STYLE = `body{font:16px/1.55 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#172b4d}
nav{font-size:14px;color:#5e6c84}nav a{color:#0c66e4}pre.code{background:#f4f5f7;padding:12px;overflow:auto;font-size:13px}
table{border-collapse:collapse}td,th{border:1px solid #dfe1e6;padding:4px 8px}.panel{border-left:4px solid #0c66e4;
background:#e9f2ff;padding:8px 12px;margin:12px 0}.panel.warning{border-color:#e2b203;background:#fff7d6}
.panel.note{border-color:#6e5dc6;background:#f3f0ff}.panel.tip{border-color:#22a06b;background:#dcfff1}
.mention,.jira,.status{background:#f1f2f4;border-radius:3px;padding:0 4px}ul.tasks{list-style:none;padding-left:0}
.banner{font-size:13px;color:#5e6c84;border-bottom:1px solid #dfe1e6;padding-bottom:8px}`;

/** The page id a Confluence web UI URL names, or undefined when `url` is not a page view. */
export function pageIdOfViewUrl(deps: PageViewDeps, url: URL): string | undefined {
  if (deps.deployment === "cloud") return /^\/wiki\/spaces\/[^/]+\/pages\/(\d+)(?:\/[^/]*)?$/.exec(url.pathname)?.[1];
  if (url.pathname === `${deps.contextPath}/pages/viewpage.action`) return url.searchParams.get("pageId") ?? undefined;
  return undefined;
}

/**
 * Serves a readable HTML view of a page at its web UI URL, without credentials, so "Open in Confluence" links of a
 * demo open something. Returns false for every other request (the API handles it).
 */
export function servePageView(deps: PageViewDeps, req: IncomingMessage, res: ServerResponse, origin: string): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const url = new URL(req.url ?? "/", "http://fake.invalid");
  const id = pageIdOfViewUrl(deps, url);
  if (id === undefined) return false;
  const page = deps.state.page(id);
  const siteBase = `${origin}${deps.contextPath}`;
  if (!page || page.status === "trashed") {
    res.writeHead(404, { "Content-Type": "text/html;charset=UTF-8" });
    res.end("<!doctype html><title>Page not found</title><h1>Page not found</h1>");
    return true;
  }
  const crumbs = deps.state
    .ancestorsOf(page.id)
    .map((ancestorId) => deps.state.page(ancestorId))
    .filter((p) => p !== undefined)
    .map((p) => `<a href="${viewHref(deps, siteBase, p)}">${escapeHtml(p.title)}</a>`);
  const space = deps.state.space(page.spaceKey);
  const author = deps.state.user(page.version.authorId);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style></head><body>
<p class="banner">Fake Confluence (demo): a read-only view of a generated page.</p>
<nav>${escapeHtml(space?.name ?? page.spaceKey)}${crumbs.length ? ` / ${crumbs.join(" / ")}` : ""}</nav>
<h1>${escapeHtml(page.title)}</h1>
<p class="banner">Version ${page.version.number}, last updated ${page.version.when.slice(0, 10)}${author ? ` by ${escapeHtml(author.displayName)}` : ""}${page.labels.length ? ` · labels: ${page.labels.map(escapeHtml).join(", ")}` : ""}</p>
<main>${storageToHtml(page.body, deps, page.spaceKey, siteBase)}</main></body></html>`;
  res.writeHead(200, { "Content-Type": "text/html;charset=UTF-8", "Content-Length": Buffer.byteLength(html) });
  res.end(req.method === "HEAD" ? undefined : html);
  return true;
}

/** Puts the page view in front of the server's request listener (the API). */
export function servePageViewsFirst(server: Server, deps: PageViewDeps, origin: () => string): void {
  const api = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (servePageView(deps, req, res, origin())) return;
    for (const listener of api) listener(req, res);
  });
}
