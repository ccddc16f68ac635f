/** Where the app is; kept in the URL hash so a reload or a shared link lands on the same view. */
export type Route =
  | { view: "sources" }
  | { view: "browse"; sourceId?: string | undefined; pageId?: string | undefined }
  | { view: "search" };

export function parseRoute(hash: string): Route {
  const [view, ...rest] = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (view === "browse") return { view, sourceId: rest[0] || undefined, pageId: rest[1] || undefined };
  if (view === "search") return { view };
  return { view: "sources" };
}

export function formatRoute(route: Route): string {
  if (route.view !== "browse") return `#/${route.view}`;
  const parts = [route.sourceId, route.pageId].filter((part): part is string => Boolean(part));
  return `#/${["browse", ...parts.map(encodeURIComponent)].join("/")}`;
}
