import { useState } from "react";
import { shortenTrail, type TrailItem } from "../lib/trail.js";

/** A breadcrumb trail; deeper than `max` levels it hides the middle behind an ellipsis that expands on click. */
export function Breadcrumbs({
  items,
  onSelect,
  max = 5,
}: {
  items: TrailItem[];
  onSelect: (id: string) => void;
  max?: number;
}) {
  const [expanded, setExpanded] = useState(false);
  const entries = expanded ? shortenTrail(items, Number.POSITIVE_INFINITY) : shortenTrail(items, max);
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {entries.map((entry, index) => {
          const last = index === entries.length - 1;
          if (entry.kind === "ellipsis") {
            return (
              <li key="ellipsis">
                <button
                  type="button"
                  className="link ellipsis"
                  title={entry.hidden.map((item) => item.label).join(" › ")}
                  aria-label={`Show ${entry.hidden.length} more levels`}
                  onClick={() => setExpanded(true)}
                >
                  …
                </button>
              </li>
            );
          }
          return (
            <li key={entry.item.id}>
              {last ? (
                <span aria-current="page">{entry.item.label}</span>
              ) : entry.item.folder ? (
                <span className="folder">{entry.item.label}</span>
              ) : (
                <button type="button" className="link" onClick={() => onSelect(entry.item.id)}>
                  {entry.item.label}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
