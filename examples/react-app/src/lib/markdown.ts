import DOMPurify from "dompurify";
import { marked } from "marked";

const ALERTS: Record<string, string> = {
  NOTE: "Note",
  TIP: "Tip",
  IMPORTANT: "Important",
  WARNING: "Warning",
  CAUTION: "Caution",
};

/** GitHub alerts (`> [!WARNING]` blockquotes, how panels convert) become titled boxes instead of quotes. */
function renderAlerts(content: DocumentFragment): void {
  for (const quote of content.querySelectorAll("blockquote")) {
    const first = quote.querySelector("p");
    const match = first ? /^\s*\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*/.exec(first.innerHTML) : null;
    if (!first || !match) continue;
    const kind = match[1] as string;
    first.innerHTML = first.innerHTML.slice(match[0].length);
    if (first.innerHTML.trim() === "") first.remove();
    const box = document.createElement("div");
    box.className = `alert alert-${kind.toLowerCase()}`;
    box.setAttribute("role", "note");
    const title = document.createElement("p");
    title.className = "alert-title";
    title.textContent = ALERTS[kind] ?? kind;
    box.append(title, ...quote.childNodes);
    quote.replaceWith(box);
  }
}

/**
 * Renders page Markdown to HTML that is safe to insert. Synced pages are other people's content, so scripts, event
 * handlers, inline styles and `javascript:` URLs are removed, links open in a new tab without an opener, and images
 * become links: attachments need Confluence credentials the browser does not have, and loading remote images on
 * sight would let any page author see who reads it. GitHub alerts render as titled boxes and task lists as
 * read-only checkboxes.
 */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true }) as string;
  const clean = DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "button", "textarea", "select"],
    FORBID_ATTR: ["style"],
  });
  const template = document.createElement("template");
  template.innerHTML = clean;
  const content = template.content;
  // Task lists keep their state as read-only checkboxes; any other input is dropped.
  for (const input of content.querySelectorAll("input")) {
    if (input.getAttribute("type") !== "checkbox" || !input.closest("li")) {
      input.remove();
      continue;
    }
    const checked = input.hasAttribute("checked");
    for (const name of [...input.getAttributeNames()]) input.removeAttribute(name);
    input.setAttribute("type", "checkbox");
    input.setAttribute("disabled", "");
    if (checked) input.setAttribute("checked", "");
    input.setAttribute("aria-label", checked ? "done" : "not done");
    input.closest("li")?.classList.add("task");
  }
  renderAlerts(content);
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
