import type { ConfluenceSource } from "../ports/confluence-source.js";

/** The base of links people open: the source's `webBaseUrl`, else the site's wiki root derived from `baseUrl`. */
export function webBaseOf(source: ConfluenceSource): string {
  if (source.webBaseUrl !== undefined) return source.webBaseUrl.replace(/\/+$/, "");
  return source.deployment === "cloud" ? `${source.baseUrl}/wiki` : source.baseUrl;
}
