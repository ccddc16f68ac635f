/**
 * End to end: the built React app, served by the example server on embedded defaults (fake Confluence, hashing
 * embedder), driven in Debian's headless Chromium through playwright-core. Screenshots of every step go to
 * `test-artifacts/react-app-e2e/` (git-ignored). No browser is ever downloaded: without /usr/bin/chromium the test
 * skips and says so (`.ci/setup-chromium.sh` installs it).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultCredentials } from "@archon/fake-confluence";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExampleServer, ensureAppBuilt, startExampleServer } from "./example-server.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const artifacts = fileURLToPath(new URL("../../../test-artifacts/react-app-e2e/", import.meta.url));

if (!hasChromium) {
  console.warn(`[react-app e2e] skipped: ${CHROMIUM} is missing; run .ci/setup-chromium.sh to install Chromium.`);
}

describe.skipIf(!hasChromium)(`React app in headless Chromium (skipped without ${CHROMIUM})`, () => {
  let server: ExampleServer;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const browserErrors: string[] = [];

  // Viewport only: a synced page can be many screens long.
  const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`) });

  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    await ensureAppBuilt();
    server = await startExampleServer();
    profileDir = await mkdtemp(join(tmpdir(), "archon-chromium-"));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    page.on("pageerror", (error) => browserErrors.push(error.message));
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await server?.stop();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it("adds a source, syncs it to 100%, searches, opens a result and browses the tree", async () => {
    try {
      await journey();
    } catch (error) {
      await shot("failure").catch(() => {});
      throw error;
    }
  }, 300_000);

  async function journey(): Promise<void> {
    const credentials = defaultCredentials("cloud");
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.getByRole("heading", { name: "Sources" }).count()).toBe(1);
    // The server registers the demo space at start.
    await page.getByRole("article", { name: "Source Acme Engineering Handbook" }).waitFor();
    await shot("01-sources");
    // One source per space: the copy added below replaces the registered one.
    const removed = await fetch(`${server.url}/api/confluence/sources/demo`, { method: "DELETE" });
    expect(removed.status).toBe(204);

    // 1. Add a source: first with a bad space key (the server's field message shows), then correctly.
    await page.getByRole("button", { name: "Add a source" }).click();
    const form = page.getByRole("form", { name: "Add a source" });
    await form.locator('input[name="baseUrl"]').fill(server.fakeConfluenceUrl);
    await form.locator('select[name="deployment"]').selectOption("cloud");
    await form.locator('input[name="spaceKey"]').fill("not a key");
    await form.locator('input[name="sourceId"]').fill("handbook");
    await form.locator('input[name="name"]').fill("Handbook copy");
    await form.locator('input[name="email"]').fill(credentials.email);
    await form.locator('input[name="apiToken"]').fill(credentials.apiToken);
    await form.getByRole("button", { name: "Add source" }).click();
    await form.locator(".field-error", { hasText: "must be a Confluence space key" }).waitFor();
    await shot("02-add-source-field-error");

    await form.locator('input[name="spaceKey"]').fill("DEMO");
    await form.getByRole("button", { name: "Add source" }).click();
    const card = page.getByRole("article", { name: "Source Handbook copy" });
    await card.waitFor();
    expect(await card.textContent()).toContain("handbook");
    expect(await page.content()).not.toContain(credentials.apiToken);
    await shot("03-source-created");

    // 2. Start a full sync and watch the live progress bar reach 100%.
    await card.getByRole("combobox", { name: "Sync mode" }).selectOption("full");
    await card.getByRole("button", { name: "Start sync" }).click();
    const progress = card.getByRole("progressbar", { name: "Sync progress" });
    await progress.waitFor();
    const seen: number[] = [];
    await expect
      .poll(
        async () => {
          const value = Number(await progress.getAttribute("aria-valuenow"));
          if (seen.at(-1) !== value) seen.push(value);
          if (value > 0 && value < 100 && !existsSync(join(artifacts, "04-sync-running.png"))) {
            await shot("04-sync-running");
          }
          return value;
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBe(100);
    const section = card.getByRole("region", { name: "Sync progress" });
    await expect.poll(() => section.getAttribute("data-status"), { timeout: 30_000 }).toBe("succeeded");
    const counts = (await section.locator(".counts").first().textContent()) ?? "";
    const [, done, total, indexed] = /Pages(\d+) \/ (\d+)Indexed(\d+)/.exec(counts) ?? [];
    expect(Number(done)).toBeGreaterThan(100);
    expect(done).toBe(total);
    // Counts per content type: every page of the first sync was indexed as a page.
    const pagesByType = (await section.locator('[data-content-type="page"] dd').textContent()) ?? "";
    expect(pagesByType).toBe(`${indexed} indexed`);
    expect(seen.every((value, index) => index === 0 || value >= (seen[index - 1] ?? 0))).toBe(true);
    await shot("05-sync-done");

    // 3. Search the new source with a filter; matches are highlighted; open the first result.
    await page.getByRole("button", { name: "Search" }).first().click();
    const search = page.getByRole("search");
    await search.getByRole("searchbox", { name: "Search query" }).fill("deploy rollback");
    await search.getByRole("combobox").first().selectOption("handbook");
    await search.getByRole("button", { name: "Search" }).click();
    const results = page.getByRole("list", { name: "Search results" });
    await results.waitFor();
    const hits = results.locator("li.hit");
    expect(await hits.count()).toBeGreaterThan(0);
    expect(await results.locator("mark").count()).toBeGreaterThan(0);
    expect((await results.locator("mark").first().textContent())?.toLowerCase()).toMatch(/^(deploy|rollback)/);
    expect(await results.textContent()).not.toContain("demo ·");
    // One entry per page, snippets as text (no Markdown table rows or alert markers), no raw fusion scores.
    const titles = await hits.locator(".hit-title").allTextContents();
    expect(new Set(titles).size).toBe(titles.length);
    const listed = (await results.textContent()) ?? "";
    expect(listed).not.toMatch(/\| ?---|\[!(NOTE|WARNING|TIP|INFO)\]|score \d/);
    // The search is in the URL: a reload keeps it.
    expect(page.url()).toContain("#/search?q=deploy+rollback&source=handbook");
    await page.reload();
    await results.waitFor();
    expect(await search.getByRole("searchbox", { name: "Search query" }).inputValue()).toBe("deploy rollback");
    expect(await hits.locator(".hit-title").allTextContents()).toEqual(titles);
    await shot("06-search-results");

    const firstTitle = (await hits.first().locator(".hit-title").textContent()) ?? "";
    await hits.first().locator(".hit-title").click();
    const reader = page.locator("article.page-reader");
    await reader.waitFor();
    expect(await reader.locator("header h2").textContent()).toBe(firstTitle);
    expect(await reader.locator(".markdown > *").count()).toBeGreaterThan(0);
    expect(await reader.locator(".markdown script").count()).toBe(0);
    await shot("07-page-opened");
    // Back returns to the same results.
    await page.goBack();
    await results.waitFor();
    expect(await hits.locator(".hit-title").allTextContents()).toEqual(titles);

    // The rollback runbook: its warning panel (red in Confluence, so a caution) is a titled alert, its tasks keep
    // their state.
    await search.getByRole("searchbox", { name: "Search query" }).fill("rollback procedure");
    await search.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => hits.first().locator(".hit-title").textContent()).toBe("Deploy rollback procedure");
    await hits.first().locator(".hit-title").click();
    await expect.poll(() => reader.locator("header h2").textContent()).toBe("Deploy rollback procedure");
    const caution = reader.locator(".markdown .alert-caution");
    await caution.waitFor();
    expect(await caution.locator(".alert-title").textContent()).toBe("Caution");
    expect(await reader.locator(".markdown").textContent()).not.toContain("[!CAUTION]");
    const boxes = reader.locator(".markdown li.task input[type=checkbox]");
    expect(await boxes.count()).toBe(4);
    expect(await boxes.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).checked))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    await shot("07b-alerts-and-tasks");

    // On a phone the page view fits the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot("07c-mobile");
    await page.setViewportSize({ width: 1280, height: 900 });

    // 4. A page more than five levels deep: the breadcrumb hides the middle behind an ellipsis.
    const deep = await deepestPage(server.url, "handbook");
    await page.evaluate((hash) => {
      window.location.hash = hash;
    }, `#/browse/handbook/${deep.pageId}`);
    const crumbs = page.getByRole("navigation", { name: "Breadcrumb" });
    await crumbs.getByRole("button", { name: /more levels/ }).waitFor();
    await expect.poll(() => crumbs.locator("[aria-current=page]").textContent()).toBe(deep.title);
    expect(await crumbs.locator("li").count()).toBe(5);
    // Let the ancestors' titles and the tree load before the screenshot.
    await expect.poll(() => crumbs.textContent(), { timeout: 30_000 }).not.toMatch(/Page \d+/);
    // A leaf page has no children: the tree shows its siblings, with the page marked.
    const tree = page.getByRole("complementary", { name: "Page tree" });
    await expect.poll(() => tree.locator("li.current").textContent(), { timeout: 30_000 }).toContain(deep.title);
    await shot("08-deep-breadcrumb");
    await crumbs.getByRole("button", { name: /more levels/ }).click();
    await expect.poll(() => crumbs.locator("li").count()).toBe(deep.depth + 2);

    // 5. Walk the tree: an ancestor from the breadcrumb, then one of its children from the tree.
    const ancestor = crumbs.locator("li button").nth(1);
    const ancestorTitle = (await ancestor.textContent()) ?? "";
    await ancestor.click();
    await expect.poll(() => reader.locator("header h2").textContent()).toBe(ancestorTitle);
    await expect.poll(() => tree.locator("li.current").count()).toBe(0);
    const child = tree.locator("ul.tree button").first();
    await child.waitFor();
    const childTitle = (await child.textContent()) ?? "";
    await child.click();
    await expect.poll(() => reader.locator("header h2").textContent()).toBe(childTitle);
    await expect.poll(() => crumbs.locator("[aria-current=page]").textContent()).toBe(childTitle);
    await shot("09-tree");

    // The tree opens deeper levels in place: from the root, the home page's children, then a section's.
    await crumbs.locator("li button").first().click();
    await tree.getByRole("button", { name: /Show the \d+ child pages of Acme Engineering Handbook/ }).click();
    await tree.getByRole("button", { name: /Show the \d+ child pages of Runbooks/ }).click();
    await tree
      .locator(".child-list.nested .child-list.nested button", { hasText: "Deploy rollback procedure" })
      .waitFor();
    await shot("09b-tree-expanded");

    // 6. An incremental sync right after the full one says how many pages it checked.
    await page.getByRole("button", { name: "Sources" }).click();
    await card.getByRole("combobox", { name: "Sync mode" }).selectOption("incremental");
    await card.getByRole("button", { name: "Start sync" }).click();
    await expect.poll(() => section.getAttribute("data-status"), { timeout: 120_000 }).toBe("succeeded");
    await expect
      .poll(() => section.locator(".checked-summary").textContent(), { timeout: 30_000 })
      .toMatch(/^Checked \d+ pages: none changed since the last sync/);
    await shot("10-incremental-checked");

    // 7. The server goes away during a sync: the progress says the connection is lost instead of freezing.
    await card.getByRole("combobox", { name: "Sync mode" }).selectOption("full");
    await card.getByRole("button", { name: "Start sync" }).click();
    await expect.poll(() => section.getAttribute("data-status"), { timeout: 30_000 }).toBe("running");
    await server.stop();
    await section.locator(".connection-lost").waitFor({ timeout: 60_000 });
    expect(await section.locator(".sync-head strong").textContent()).toBe("Connection lost");
    await shot("11-connection-lost");

    expect(browserErrors).toEqual([]);
  }
});

/** The deepest page of a source, found through the API. */
async function deepestPage(url: string, sourceId: string): Promise<{ pageId: string; title: string; depth: number }> {
  let cursor: string | null = null;
  let best = { pageId: "", title: "", depth: -1 };
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const response = await fetch(`${url}/api/confluence/sources/${sourceId}/pages?limit=200${query}`);
    const body = (await response.json()) as {
      items: { pageId: string; title: string; depth: number }[];
      nextCursor: string | null;
    };
    for (const item of body.items) if (item.depth > best.depth) best = item;
    cursor = body.nextCursor;
  } while (cursor);
  if (best.depth < 6) throw new Error(`expected a page deeper than 5 levels, the deepest is ${best.depth}`);
  return best;
}
