/** Where the app is; kept in the URL hash so a reload, Back or a shared link lands on the same view. */
export type Route =
  | { view: "sources" }
  | { view: "browse"; sourceId?: string | undefined; pageId?: string | undefined }
  | { view: "search"; params?: SearchParams | undefined };

/** A search as it appears in the URL: `#/search?q=rollback&mode=keyword&source=demo&labels=a,b&after=2024-01-01`. */
export interface SearchParams {
  readonly q: string;
  readonly mode?: string | undefined;
  readonly source?: string | undefined;
  readonly labels?: string | undefined;
  readonly after?: string | undefined;
  readonly limit?: string | undefined;
}

const SEARCH_KEYS = ["q", "mode", "source", "labels", "after", "limit"] as const;

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const [view, ...rest] = path.split("/").map(decodeURIComponent);
  if (view === "browse") return { view, sourceId: rest[0] || undefined, pageId: rest[1] || undefined };
  if (view === "search") {
    const search = new URLSearchParams(query);
    const q = search.get("q")?.trim();
    if (!q) return { view };
    const params: Record<string, string> = { q };
    for (const key of SEARCH_KEYS) {
      const value = search.get(key);
      if (key !== "q" && value) params[key] = value;
    }
    return { view, params: params as unknown as SearchParams };
  }
  return { view: "sources" };
}

export function formatRoute(route: Route): string {
  if (route.view === "search") {
    if (!route.params?.q) return "#/search";
    const search = new URLSearchParams();
    for (const key of SEARCH_KEYS) {
      const value = route.params[key];
      if (value) search.set(key, value);
    }
    return `#/search?${search.toString()}`;
  }
  if (route.view !== "browse") return `#/${route.view}`;
  const parts = [route.sourceId, route.pageId].filter((part): part is string => Boolean(part));
  return `#/${["browse", ...parts.map(encodeURIComponent)].join("/")}`;
}
