import TurndownService from "turndown";
// @ts-expect-error turndown-plugin-gfm ships no types
import { gfm } from "turndown-plugin-gfm";

let service: TurndownService | undefined;

/**
 * GitHub tables need a header row and one-line cells: a table whose first row has no `<th>` gets it as header, and
 * paragraphs inside cells (Word writes every cell as one) become `<br>`-separated lines.
 */
export function normalizeTables(html: string): string {
  const cells = html.replace(
    /<(td|th)(\s[^>]*)?>([\s\S]*?)<\/\1>/gi,
    (_, tag: string, attrs: string | undefined, inner: string) => {
      const flat = inner.replace(/<\/p>\s*<p(\s[^>]*)?>/gi, "<br>").replace(/<\/?p(\s[^>]*)?>/gi, "");
      return `<${tag}${attrs ?? ""}>${flat}</${tag}>`;
    },
  );
  return cells.replace(/<table(\s[^>]*)?>([\s\S]*?)<\/table>/gi, (table: string, _attrs: string, body: string) => {
    if (/<thead|<th[\s>]/i.test(body)) return table;
    return table.replace(/<tr(\s[^>]*)?>([\s\S]*?)<\/tr>/i, (row: string) =>
      row.replace(/<td(\s[^>]*)?>/gi, "<th$1>").replace(/<\/td>/gi, "</th>"),
    );
  });
}

/** HTML as GitHub-flavoured Markdown (tables, strikethrough), without scripts, styles and document chrome. */
export function htmlToMarkdown(html: string): string {
  if (!service) {
    service = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced", bulletListMarker: "-" });
    service.use(gfm);
    service.remove(["script", "style", "noscript", "template", "head"] as never);
  }
  return service.turndown(normalizeTables(html)).trim();
}
