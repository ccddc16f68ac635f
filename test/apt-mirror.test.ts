/** `.ci/apt-mirror.sh` takes the mirror from the machine's own apt sources (deb822 or one-line format). */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const script = resolve(import.meta.dirname, "..", ".ci", "apt-mirror.sh");
const dirs: string[] = [];

async function mirrorFor(files: Record<string, string>, env: Record<string, string> = {}): Promise<string> {
  const etc = await mkdtemp(join(tmpdir(), "apt-etc-"));
  dirs.push(etc);
  await mkdir(join(etc, "sources.list.d"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(etc, name), text);
  const { stdout } = await exec("bash", [script], { env: { PATH: process.env.PATH ?? "", APT_ETC: etc, ...env } });
  return stdout.trim();
}

describe("apt-mirror.sh", () => {
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("reads the main archive's URI from deb822 sources, skipping security and source-only stanzas", async () => {
    const sources = [
      "Types: deb-src\nURIs: http://src.example.org/debian\nSuites: trixie\n",
      "Types: deb\nURIs: http://security.example.org/debian-security\nSuites: bookworm-security\n",
      "# a comment\nTypes: deb\nURIs: http://mirror.example.net/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n",
    ].join("\n");
    expect(await mirrorFor({ "sources.list.d/debian.sources": sources })).toBe("http://mirror.example.net/debian");
  });

  it("reads one-line sources with options, and falls back to deb.debian.org without any", async () => {
    const list =
      "deb http://security.example.org/debian-security bookworm-security main\n" +
      "deb [arch=amd64 signed-by=/k.gpg] https://mirror.example.com/debian bookworm main\n";
    expect(await mirrorFor({ "sources.list": list })).toBe("https://mirror.example.com/debian");
    expect(await mirrorFor({})).toBe("http://deb.debian.org/debian");
  });

  it("lets DEBIAN_MIRROR override the system's sources", async () => {
    const list = "deb http://mirror.example.com/debian bookworm main\n";
    expect(await mirrorFor({ "sources.list": list }, { DEBIAN_MIRROR: "http://local.mirror/debian/" })).toBe(
      "http://local.mirror/debian",
    );
  });
});
