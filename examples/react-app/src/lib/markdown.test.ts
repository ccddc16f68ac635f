// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown.js";

function render(markdown: string): HTMLElement {
  const root = document.createElement("div");
  root.innerHTML = renderMarkdown(markdown);
  return root;
}

describe("renderMarkdown", () => {
  it("renders headings, tables and code", () => {
    const root = render("# Title\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n```ts\nconst x = 1;\n```\n");
    expect(root.querySelector("h1")?.textContent).toBe("Title");
    expect(root.querySelectorAll("td")).toHaveLength(2);
    expect(root.querySelector("pre code")?.textContent).toContain("const x = 1;");
  });

  it("removes scripts, event handlers, inline styles and javascript: links", () => {
    const root = render(
      '<script>alert(1)</script>\n\n<p onclick="steal()" style="position:fixed">x</p>\n\n[click](javascript:alert(1))',
    );
    expect(root.querySelector("script")).toBeNull();
    expect(root.querySelector("[onclick]")).toBeNull();
    expect(root.querySelector("[style]")).toBeNull();
    expect(root.innerHTML).not.toContain("javascript:");
  });

  it("opens links in a new tab without an opener", () => {
    const link = render("[docs](https://example.com/docs)").querySelector("a");
    expect(link?.getAttribute("target")).toBe("_blank");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it("turns images into links instead of loading them", () => {
    const root = render("![deploy diagram](https://wiki.example.com/download/attachments/1/d.png)");
    expect(root.querySelector("img")).toBeNull();
    const link = root.querySelector("a.image-link");
    expect(link?.textContent).toBe("🖼 deploy diagram");
    expect(link?.getAttribute("href")).toBe("https://wiki.example.com/download/attachments/1/d.png");
  });

  it("renders GitHub alerts as titled boxes, not quotes with a literal marker", () => {
    const root = render("> [!WARNING]\n> Roll back first, investigate later.\n\n> just a quote\n");
    const alert = root.querySelector(".alert-warning");
    expect(alert?.querySelector(".alert-title")?.textContent).toBe("Warning");
    expect(alert?.textContent).toContain("Roll back first, investigate later.");
    expect(root.textContent).not.toContain("[!WARNING]");
    expect(root.querySelectorAll("blockquote")).toHaveLength(1);
  });

  it("keeps task states as read-only checkboxes and drops every other input", () => {
    const root = render('- [x] Rollback announced\n- [ ] Review scheduled\n\n<input type="text" value="x">\n');
    const boxes = [...root.querySelectorAll("input")];
    expect(boxes.map((box) => [box.type, box.checked, box.disabled])).toEqual([
      ["checkbox", true, true],
      ["checkbox", false, true],
    ]);
    expect(root.querySelector("li.task")?.textContent?.trim()).toBe("Rollback announced");
  });
});
