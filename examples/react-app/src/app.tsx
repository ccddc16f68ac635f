import { useCallback, useEffect, useState } from "react";
import { PageBrowser } from "./components/page-browser.js";
import { SearchPanel } from "./components/search-panel.js";
import { SourcesPanel } from "./components/sources-panel.js";
import { formatRoute, parseRoute, type Route } from "./lib/route.js";

function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  const navigate = useCallback((next: Route) => {
    window.location.hash = formatRoute(next);
    setRoute(next);
  }, []);
  return [route, navigate];
}

const tabs: { view: Route["view"]; label: string }[] = [
  { view: "sources", label: "Sources" },
  { view: "browse", label: "Browse" },
  { view: "search", label: "Search" },
];

export function App() {
  const [route, navigate] = useRoute();
  // The sync followed per source, so switching tabs and back keeps showing its progress or outcome.
  const [operations, setOperations] = useState<Record<string, string>>({});
  const onOperation = useCallback(
    (sourceId: string, operationId: string) => setOperations((current) => ({ ...current, [sourceId]: operationId })),
    [],
  );

  return (
    <div className="app">
      <header className="topbar">
        <h1>
          Archon <span>Confluence</span>
        </h1>
        <nav aria-label="Sections">
          {tabs.map((tab) => (
            <button
              key={tab.view}
              type="button"
              className={route.view === tab.view ? "tab active" : "tab"}
              aria-current={route.view === tab.view ? "page" : undefined}
              onClick={() => navigate({ view: tab.view } as Route)}
            >
              {tab.label}
            </button>
          ))}
        </nav>
      </header>
      <main>
        {route.view === "sources" ? (
          <SourcesPanel
            operations={operations}
            onOperation={onOperation}
            onBrowse={(sourceId) => navigate({ view: "browse", sourceId })}
          />
        ) : null}
        {route.view === "browse" ? (
          <PageBrowser
            sourceId={route.sourceId}
            pageId={route.pageId}
            onNavigate={(sourceId, pageId) => navigate({ view: "browse", sourceId, pageId })}
          />
        ) : null}
        {route.view === "search" ? (
          <SearchPanel
            params={route.params}
            onSearch={(params) => navigate({ view: "search", params })}
            onOpen={(sourceId, pageId) => navigate({ view: "browse", sourceId, pageId })}
          />
        ) : null}
      </main>
    </div>
  );
}
