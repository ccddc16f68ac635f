/**
 * Installed size of each published package: the package itself plus every dependency it pulls (dependencies and
 * required peers, transitively), measured in this repository's node_modules. The package's own optional peers are
 * shown separately. Workspace packages count their published files (build first for their dist).
 *   npx tsx bench/installed-size.ts
 */
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  files?: string[];
}

function sizeOf(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) if (entry !== "node_modules") total += sizeOf(join(path, entry));
  return total;
}

/** Where `name` resolves from `from` (a package directory), node_modules lookup as Node does it. */
function locate(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (statSync(join(candidate, "package.json"), { throwIfNoEntry: false })) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function closure(start: string, withOptionalPeers: boolean): Map<string, number> {
  const seen = new Map<string, number>();
  const visit = (dir: string, own: boolean, top = false) => {
    const real = dir;
    if (seen.has(real)) return;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
    // A workspace package counts what it publishes (its `files`), not its sources and tests.
    const size = own
      ? (manifest.files ?? []).reduce((sum, file) => sum + sizeOf(join(dir, file)), sizeOf(join(dir, "package.json")))
      : sizeOf(dir);
    seen.set(real, size);
    const optional = manifest.peerDependenciesMeta ?? {};
    const names = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}).filter(
        (name) => (withOptionalPeers && top) || !optional[name]?.optional,
      ),
    ];
    for (const name of names) {
      const found = locate(name, dir);
      if (!found) continue;
      const real = realpathSync(found);
      visit(real, !real.includes(`${"/"}node_modules${"/"}`));
    }
  };
  visit(start, true, true);
  return seen;
}

const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
const rows: string[] = [];
for (const dir of readdirSync(join(root, "packages")).sort()) {
  const pkg = join(root, "packages", dir);
  const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as Manifest;
  const base = closure(pkg, false);
  const total = [...base.values()].reduce((a, b) => a + b, 0);
  const full = [...closure(pkg, true).values()].reduce((a, b) => a + b, 0);
  const biggest = [...base.entries()]
    .filter(([path]) => path !== pkg)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([path, size]) => `${path.split("node_modules/").pop()?.replace(`${root}/`, "")} ${mb(size)}`)
    .join(", ");
  rows.push(
    `| \`${manifest.name}\` | ${mb(total)} | ${full === total ? "" : mb(full)} | ${base.size - 1} | ${biggest} |`,
  );
}
console.log("| package | installed | with optional peers | dependencies | largest |");
console.log("| --- | ---: | ---: | ---: | --- |");
for (const row of rows) console.log(row);
