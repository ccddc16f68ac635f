import type { FakePage, FakeSpace } from "../model.js";
import type { RequestContext } from "./types.js";

/** Title as Confluence puts it in Cloud page URLs. */
export function titleSlug(title: string): string {
  return encodeURIComponent(title).replace(/%20/g, "+");
}

/** Web UI path of a page or blog post, relative to the site base (`_links.webui`). */
export function pageWebui(deployment: RequestContext["deployment"], page: FakePage): string {
  if (deployment !== "cloud") return `/pages/viewpage.action?pageId=${page.id}`;
  if (page.type === "blogpost") {
    // Cloud dates blog post URLs by the day the post was created.
    const day = page.createdAt.slice(0, 10).replaceAll("-", "/");
    return `/spaces/${page.spaceKey}/blog/${day}/${page.id}/${titleSlug(page.title)}`;
  }
  return `/spaces/${page.spaceKey}/pages/${page.id}/${titleSlug(page.title)}`;
}

/** Web UI path of a comment: its container's page, focused on the comment. */
export function commentWebui(deployment: RequestContext["deployment"], container: FakePage, commentId: string): string {
  const base = pageWebui(deployment, container);
  return `${base}${base.includes("?") ? "&" : "?"}focusedCommentId=${commentId}#comment-${commentId}`;
}

/** Short link, `/x/<base64 of the id>`, as Confluence's tiny links look. */
export function pageTinyui(page: FakePage): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(Number(page.id) >>> 0);
  return `/x/${bytes.toString("base64url").replace(/A+$/, "")}`;
}

export function spaceWebui(deployment: RequestContext["deployment"], space: FakeSpace): string {
  return deployment === "cloud" ? `/spaces/${space.key}` : `/display/${space.key}`;
}

/** `origin + contextPath`: the `_links.base` of every response. */
export function siteBase(ctx: RequestContext): string {
  return `${ctx.origin}${ctx.contextPath}`;
}
