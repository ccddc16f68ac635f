import DOMPurify from "dompurify";
import { marked } from "marked";

/**
 * Renders page Markdown to HTML that is safe to insert. Synced pages are other people's content, so scripts, event
 * handlers, inline styles and `javascript:` URLs are removed, links open in a new tab without an opener, and images
 * become links: attachments need Confluence credentials the browser does not have, and loading remote images on
 * sight would let any page author see who reads it.
 */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true }) as string;
  const clean = DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select"],
    FORBID_ATTR: ["style"],
  });
  const template = document.createElement("template");
  template.innerHTML = clean;
  const content = template.content;
  for (const image of content.querySelectorAll("img")) {
    const link = document.createElement("a");
    link.className = "image-link";
    link.textContent = `🖼 ${image.getAttribute("alt") || "image"}`;
    const src = image.getAttribute("src");
    if (src) link.setAttribute("href", src);
    image.replaceWith(link);
  }
  for (const link of content.querySelectorAll("a[href]")) {
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer");
  }
  return template.innerHTML;
}
