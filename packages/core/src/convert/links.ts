import { type Element, isTag } from "domhandler";
import type { PageLink } from "../ports/converter.js";
import { collapseSpace, escapeInline, linkTarget } from "./markdown.js";
import type { Renderer } from "./render.js";
import { findChild } from "./tags.js";

const RESOURCES = new Set([
  "ri:page",
  "ri:blog-post",
  "ri:attachment",
  "ri:user",
  "ri:space",
  "ri:url",
  "ri:content-entity",
  "ri:shortcut",
]);

function trimBase(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}

/** Site URL of an attachment of the current (or another) page, or the bare filename when the site is unknown. */
export function attachmentUrl(r: Renderer, filename: string, ownerId?: string): string {
  const pageId = ownerId ?? r.context.pageId;
  const base = r.context.baseUrl;
  if (base !== undefined && pageId !== undefined) {
    return `${trimBase(base)}/download/attachments/${encodeURIComponent(pageId)}/${encodeURIComponent(filename)}`;
  }
  return filename.replace(/ /g, "%20");
}

/** Resolves and records a link to a page; returns the URL when the target is known. */
export function pageLink(r: Renderer, resource: Element, anchor: string | undefined): PageLink {
  const title = resource.attribs["ri:content-title"] ?? "";
  const spaceKey = resource.attribs["ri:space-key"] ?? r.context.spaceKey;
  const contentId = resource.attribs["ri:content-id"];
  let url = title === "" ? undefined : r.context.resolvePageUrl?.(title, spaceKey);
  if (url === undefined && contentId !== undefined && r.context.baseUrl !== undefined) {
    url = `${trimBase(r.context.baseUrl)}/pages/viewpage.action?pageId=${encodeURIComponent(contentId)}`;
  }
  if (url !== undefined && anchor !== undefined && anchor !== "") url += `#${encodeURIComponent(anchor)}`;
  const link: PageLink = {
    title,
    ...(spaceKey === undefined ? {} : { spaceKey }),
    ...(contentId === undefined ? {} : { contentId }),
    ...(url === undefined ? {} : { url }),
  };
  if (title !== "" || contentId !== undefined) r.meta.pageLink(link);
  return link;
}

/** A link to a page named by title, `Title` or `SPACE:Title` as legacy macros write it; `[[Title]]` when unresolved. */
export function titleLink(r: Renderer, named: string): string {
  const colon = named.indexOf(":");
  const spaced = colon > 0 && /^[A-Za-z0-9_~-]+$/.test(named.slice(0, colon));
  const title = spaced ? named.slice(colon + 1).trim() : named.trim();
  const spaceKey = spaced ? named.slice(0, colon) : r.context.spaceKey;
  const url = title === "" ? undefined : r.context.resolvePageUrl?.(title, spaceKey);
  r.meta.pageLink({ title, ...(spaceKey === undefined ? {} : { spaceKey }), ...(url === undefined ? {} : { url }) });
  return url === undefined ? `[[${escapeInline(title)}]]` : `[${escapeInline(title)}](${linkTarget(url)})`;
}

/** `@Display Name` through the resolver, otherwise `@accountId`. */
export function renderUser(r: Renderer, user: Element): string {
  const id = user.attribs["ri:account-id"] ?? user.attribs["ri:userkey"] ?? user.attribs["ri:username"] ?? "";
  if (id === "") return "";
  r.meta.mention(id);
  const name = r.context.resolveUser?.(id);
  return `@${escapeInline(name ?? id)}`;
}

/** `ac:link`, `a` and `ri:url`: Markdown links that keep their text and target. */
export function renderLink(r: Renderer, element: Element, depth: number): string {
  if (element.name === "a") {
    const href = element.attribs.href ?? "";
    const text = r.inline(element.children, depth).trim();
    if (href === "") return text;
    r.meta.url(href);
    if (text === "" || (r.plain(element.children) === href && !/[\s<>]/.test(href))) return `<${href}>`;
    return `[${text}](${linkTarget(href)})`;
  }
  if (element.name === "ri:url") {
    const href = element.attribs["ri:value"] ?? "";
    r.meta.url(href);
    return href === "" ? "" : `<${href}>`;
  }
  let resource: Element | undefined;
  let body = "";
  for (const child of element.children) {
    if (!isTag(child)) continue;
    if (RESOURCES.has(child.name)) resource ??= child;
    else if (child.name === "ac:plain-text-link-body") {
      const text = collapseSpace(r.text(child)).trim();
      r.meta.text(text);
      body = escapeInline(text);
    } else if (child.name === "ac:link-body") body = r.inline(child.children, depth).trim();
  }
  const anchor = element.attribs["ac:anchor"];
  if (resource === undefined) {
    if (anchor === undefined || anchor === "") return body;
    return `[${body === "" ? escapeInline(anchor) : body}](#${encodeURIComponent(anchor)})`;
  }
  switch (resource.name) {
    case "ri:user":
      return renderUser(r, resource);
    case "ri:attachment": {
      const filename = resource.attribs["ri:filename"] ?? "";
      r.meta.attachment(filename);
      const owner = findChild(resource, "ri:page")?.attribs["ri:content-id"];
      const text = body === "" ? escapeInline(filename) : body;
      return filename === "" ? text : `[${text}](${linkTarget(attachmentUrl(r, filename, owner))})`;
    }
    case "ri:url": {
      const href = resource.attribs["ri:value"] ?? "";
      r.meta.url(href);
      return href === "" ? body : `[${body === "" ? escapeInline(href) : body}](${linkTarget(href)})`;
    }
    case "ri:space": {
      // The link text is what the sentence says; the space is the target, not more words in the sentence.
      const key = resource.attribs["ri:space-key"] ?? "";
      const base = r.context.baseUrl;
      const text = body === "" ? escapeInline(key) : body;
      if (key === "" || base === undefined) return text;
      return `[${text}](${trimBase(base)}/spaces/${encodeURIComponent(key)})`;
    }
    default: {
      const link = pageLink(r, resource, anchor);
      const title = escapeInline(link.title);
      if (link.url !== undefined) return `[${body === "" ? title : body}](${linkTarget(link.url)})`;
      if (link.title === "") return body;
      return body === "" || body === title ? `[[${title}]]` : `${body} [[${title}]]`;
    }
  }
}

/** `ac:image` and `img`: `![alt](src)` and the caption as a line of text, keeping alt text, caption and filename. */
export function renderImage(r: Renderer, element: Element): string {
  if (element.name === "img") {
    const src = element.attribs.src ?? "";
    r.meta.url(src);
    const alt = element.attribs.alt ?? element.attribs.title ?? "";
    return src === "" ? escapeInline(alt) : `![${escapeInline(alt)}](${linkTarget(src)})`;
  }
  let src = "";
  let filename = "";
  let caption = "";
  for (const child of element.children) {
    if (!isTag(child)) continue;
    if (child.name === "ri:attachment") {
      filename = child.attribs["ri:filename"] ?? "";
      r.meta.attachment(filename);
      const owner = findChild(child, "ri:page")?.attribs["ri:content-id"];
      if (filename !== "") src = attachmentUrl(r, filename, owner);
    } else if (child.name === "ri:url") {
      src = child.attribs["ri:value"] ?? "";
      r.meta.url(src);
    } else if (child.name === "ac:caption") {
      caption = r.plain(child.children);
    }
  }
  const alt = element.attribs["ac:alt"] ?? element.attribs["ac:title"] ?? filename;
  r.meta.text(`${alt} ${caption}`);
  // A caption is visible text under the image, not a tooltip: it goes on its own line after the image.
  const shown = caption === "" || caption === alt ? "" : `\n*${escapeInline(caption)}*`;
  if (src === "") return escapeInline(alt) + shown;
  return `![${escapeInline(alt)}](${linkTarget(src)})${shown}`;
}
