/**
 * How fast the generator builds spaces and how fast the server pages through one.
 * Run: npx tsx packages/fake-confluence/bench/generate.ts [pages]
 */
import { generateSpace, startFakeConfluence } from "../src/index.js";

const pages = Number(process.argv[2] ?? 4000);

const t0 = performance.now();
const space = generateSpace({ key: "BENCH", pages, seed: 1 });
const generateMs = performance.now() - t0;
const bytes = space.pages.reduce((sum, page) => sum + page.body.length, 0);
console.log(
  `generate ${pages} pages: ${generateMs.toFixed(0)} ms, ${(bytes / 1e6).toFixed(1)} MB of storage format ` +
    `(largest body ${(Math.max(...space.pages.map((p) => p.body.length)) / 1000).toFixed(0)} KB)`,
);

const t1 = performance.now();
const fake = await startFakeConfluence({ spaces: [{ key: "BENCH", pages, seed: 1 }] });
const startMs = performance.now() - t1;
const headers = { authorization: `Bearer ${fake.credentials.bearerToken}` };
const t2 = performance.now();
let next: string | undefined =
  `/wiki/api/v2/spaces/${fake.space("BENCH").id}/pages?status=current&body-format=storage&limit=250`;
let fetched = 0;
while (next) {
  const body = (await (await fetch(`${fake.origin}${next}`, { headers })).json()) as {
    results: unknown[];
    _links: { next?: string };
  };
  fetched += body.results.length;
  next = body._links.next;
}
const listMs = performance.now() - t2;
console.log(
  `start server: ${startMs.toFixed(0)} ms; list ${fetched} pages with bodies over HTTP: ${listMs.toFixed(0)} ms`,
);
console.log(`requests served: ${fake.stats().requests}`);
await fake.close();
