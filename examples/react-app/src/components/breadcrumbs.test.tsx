// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Breadcrumbs } from "./breadcrumbs.js";

const trail = (depth: number) =>
  Array.from({ length: depth }, (_, index) => ({ id: `p${index}`, label: `Level ${index}` }));

afterEach(cleanup);

describe("Breadcrumbs", () => {
  it("shows a trail of five levels in full", () => {
    render(<Breadcrumbs items={trail(5)} onSelect={() => {}} />);
    expect(screen.getAllByRole("listitem").map((item) => item.textContent)).toEqual([
      "Level 0",
      "Level 1",
      "Level 2",
      "Level 3",
      "Level 4",
    ]);
  });

  it("shortens a deeper trail with an ellipsis that expands it", () => {
    render(<Breadcrumbs items={trail(9)} onSelect={() => {}} />);
    expect(screen.getAllByRole("listitem").map((item) => item.textContent)).toEqual([
      "Level 0",
      "…",
      "Level 6",
      "Level 7",
      "Level 8",
    ]);
    fireEvent.click(screen.getByRole("button", { name: "Show 5 more levels" }));
    expect(screen.getAllByRole("listitem")).toHaveLength(9);
  });

  it("selects an ancestor, and marks the last item as the current page", () => {
    const onSelect = vi.fn();
    render(<Breadcrumbs items={trail(3)} onSelect={onSelect} />);
    fireEvent.click(screen.getByRole("button", { name: "Level 1" }));
    expect(onSelect).toHaveBeenCalledWith("p1");
    expect(screen.getByText("Level 2").getAttribute("aria-current")).toBe("page");
  });
});
