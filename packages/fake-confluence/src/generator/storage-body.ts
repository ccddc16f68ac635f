import type { Random } from "../random.js";
import { ATTACHMENTS, CODE_SNIPPETS, FILES, LABELS, LANGUAGES, SERVICES, VERBS, WORDS } from "./vocabulary.js";

/** Storage-format constructs a generated body can contain; reported per page so tests can check coverage. */
export type BodyFeature =
  | "heading"
  | "list"
  | "table"
  | "table-span"
  | "code"
  | "cdata-split"
  | "panel-info"
  | "panel-note"
  | "panel-warning"
  | "panel-tip"
  | "expand"
  | "status"
  | "jira"
  | "page-link"
  | "user-mention"
  | "image"
  | "attachment-link"
  | "task-list"
  | "layout"
  | "external-link"
  | "toc"
  | "emoticon"
  | "date"
  | "adf-extension"
  | "image-url"
  | "quote"
  | "rule";

/** What the body builder may refer to: other pages of the space and known users. */
export interface BodyContext {
  readonly rng: Random;
  readonly spaceKey: string;
  readonly pageTitles: readonly string[];
  /** Identifiers to mention: account ids on Cloud, user keys on Data Center. */
  readonly userIds: readonly string[];
  readonly deployment: "cloud" | "datacenter";
}

/** Escapes text for XHTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Wraps text in CDATA, splitting around every `]]>` the way Confluence does. */
export function cdata(text: string): string {
  return `<![CDATA[${text.split("]]>").join("]]]]><![CDATA[>")}]]>`;
}

class BodyWriter {
  readonly parts: string[] = [];
  size = 0;
  readonly features = new Set<BodyFeature>();
  constructor(readonly ctx: BodyContext) {}

  push(xml: string): void {
    this.parts.push(xml);
    this.size += xml.length;
  }

  macroId(): string {
    return `${this.ctx.rng.hex(8)}-${this.ctx.rng.hex(4)}-${this.ctx.rng.hex(4)}-${this.ctx.rng.hex(4)}-${this.ctx.rng.hex(12)}`;
  }

  sentence(min = 6, max = 18): string {
    const { rng } = this.ctx;
    const n = rng.int(min, max);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(i === 2 && rng.chance(0.3) ? rng.pick(VERBS) : rng.pick(WORDS));
    const text = words.join(" ");
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}${rng.chance(0.1) ? " & more" : ""}.`;
  }

  inline(): string {
    const { rng, pageTitles, userIds, deployment } = this.ctx;
    const roll = rng.next();
    if (roll < 0.12) return `<strong>${escapeXml(rng.pick(WORDS))}</strong>`;
    if (roll < 0.2) return `<em>${escapeXml(rng.pick(WORDS))}</em>`;
    if (roll < 0.27) return `<code>${escapeXml(`${rng.pick(WORDS)}_${rng.pick(WORDS)}()`)}</code>`;
    if (roll < 0.34 && pageTitles.length > 0) {
      this.features.add("page-link");
      const title = escapeXml(rng.pick(pageTitles));
      return rng.chance(0.5)
        ? `<ac:link><ri:page ri:content-title="${title}" /></ac:link>`
        : `<ac:link><ri:page ri:space-key="${this.ctx.spaceKey}" ri:content-title="${title}" /><ac:plain-text-link-body>${cdata(`see ${rng.pick(WORDS)}`)}</ac:plain-text-link-body></ac:link>`;
    }
    if (roll < 0.4 && userIds.length > 0) {
      this.features.add("user-mention");
      const attr = deployment === "cloud" ? "ri:account-id" : "ri:userkey";
      return `<ac:link><ri:user ${attr}="${rng.pick(userIds)}" /></ac:link>`;
    }
    if (roll < 0.46) {
      this.features.add("external-link");
      return `<a href="https://example.com/${rng.pick(WORDS)}?ref=${rng.int(1, 99)}&amp;x=1">${escapeXml(rng.pick(WORDS))} docs</a>`;
    }
    if (roll < 0.5) {
      this.features.add("status");
      const [colour, title] = rng.pick([
        ["Green", "DONE"],
        ["Yellow", "IN PROGRESS"],
        ["Red", "BLOCKED"],
        ["Grey", "TODO"],
      ] as const);
      return `<ac:structured-macro ac:name="status" ac:schema-version="1" ac:macro-id="${this.macroId()}"><ac:parameter ac:name="colour">${colour}</ac:parameter><ac:parameter ac:name="title">${title}</ac:parameter></ac:structured-macro>`;
    }
    if (roll < 0.53) {
      this.features.add("emoticon");
      const name = rng.pick(["smile", "tick", "warning", "information", "thumbs-up"]);
      return `<ac:emoticon ac:name="${name}" ac:emoji-shortname=":${name}:" ac:emoji-fallback=":${name}:" />`;
    }
    if (roll < 0.56) {
      this.features.add("date");
      const day = new Date(Date.UTC(2024, 0, 1) + rng.int(0, 700) * 86_400_000).toISOString().slice(0, 10);
      return `<time datetime="${day}" />`;
    }
    return escapeXml(this.sentence(2, 5).slice(0, -1));
  }

  paragraph(): string {
    const { rng } = this.ctx;
    const parts: string[] = [];
    const n = rng.int(2, 5);
    for (let i = 0; i < n; i++) {
      parts.push(escapeXml(this.sentence()));
      if (rng.chance(0.6)) parts.push(this.inline());
    }
    return `<p>${parts.join(" ")}</p>`;
  }
}

function heading(w: BodyWriter, level: number): void {
  w.features.add("heading");
  w.push(`<h${level}>${escapeXml(w.sentence(2, 6).slice(0, -1))}</h${level}>`);
}

function list(w: BodyWriter): void {
  const { rng } = w.ctx;
  w.features.add("list");
  const tag = rng.chance(0.5) ? "ul" : "ol";
  const items: string[] = [];
  for (let i = rng.int(2, 6); i > 0; i--) {
    const nested = rng.chance(0.2) ? `<ul><li>${escapeXml(w.sentence(3, 8))}</li><li>${w.inline()}</li></ul>` : "";
    items.push(`<li>${escapeXml(w.sentence(3, 10))}${nested}</li>`);
  }
  w.push(`<${tag}>${items.join("")}</${tag}>`);
}

function table(w: BodyWriter): void {
  const { rng } = w.ctx;
  w.features.add("table");
  const cols = rng.int(3, 5);
  const rows = rng.int(3, 12);
  const header = Array.from({ length: cols }, () => `<th><p>${escapeXml(rng.pick(WORDS))}</p></th>`).join("");
  const body: string[] = [`<tr>${header}</tr>`];
  for (let r = 0; r < rows; r++) {
    if (r === 0 && rng.chance(0.5)) {
      // A row-spanning first cell followed by a colspan cell exercises both kinds of merged cells.
      w.features.add("table-span");
      const rest = Array.from({ length: cols - 3 }, () => `<td><p>${escapeXml(rng.pick(WORDS))}</p></td>`).join("");
      body.push(
        `<tr><td rowspan="2"><p>${escapeXml(rng.pick(SERVICES))}</p></td><td colspan="2"><p>${w.inline()}</p></td>${rest}</tr>`,
      );
      const second = Array.from({ length: cols - 1 }, () => `<td><p>${rng.int(1, 999)}</p></td>`).join("");
      body.push(`<tr>${second}</tr>`);
      r++;
      continue;
    }
    const cells = Array.from({ length: cols }, (_, c) =>
      c === 0 ? `<td><p>${escapeXml(rng.pick(SERVICES))}</p></td>` : `<td><p>${w.inline()}</p></td>`,
    ).join("");
    body.push(`<tr>${cells}</tr>`);
  }
  w.push(`<table data-layout="default"><tbody>${body.join("")}</tbody></table>`);
}

function code(w: BodyWriter): void {
  const { rng } = w.ctx;
  w.features.add("code");
  const language = rng.pick(LANGUAGES);
  const snippets = CODE_SNIPPETS[language] ?? [""];
  let text = "";
  for (let i = rng.int(1, 4); i > 0; i--) text += rng.pick(snippets);
  if (text.includes("]]>")) w.features.add("cdata-split");
  const title = rng.chance(0.3)
    ? `<ac:parameter ac:name="title">${escapeXml(rng.pick(WORDS))}.${language}</ac:parameter>`
    : "";
  w.push(
    `<ac:structured-macro ac:name="code" ac:schema-version="1" ac:macro-id="${w.macroId()}"><ac:parameter ac:name="language">${language}</ac:parameter>${title}<ac:plain-text-body>${cdata(text)}</ac:plain-text-body></ac:structured-macro>`,
  );
}

function panel(w: BodyWriter): void {
  const { rng } = w.ctx;
  const kind = rng.pick(["info", "note", "warning", "tip"] as const);
  w.features.add(`panel-${kind}`);
  const title = rng.chance(0.4) ? `<ac:parameter ac:name="title">${escapeXml(w.sentence(2, 4))}</ac:parameter>` : "";
  w.push(
    `<ac:structured-macro ac:name="${kind}" ac:schema-version="1" ac:macro-id="${w.macroId()}">${title}<ac:rich-text-body>${w.paragraph()}</ac:rich-text-body></ac:structured-macro>`,
  );
}

function expand(w: BodyWriter): void {
  w.features.add("expand");
  w.push(
    `<ac:structured-macro ac:name="expand" ac:schema-version="1" ac:macro-id="${w.macroId()}"><ac:parameter ac:name="title">${escapeXml(w.sentence(2, 4))}</ac:parameter><ac:rich-text-body>${w.paragraph()}${w.paragraph()}</ac:rich-text-body></ac:structured-macro>`,
  );
}

function jira(w: BodyWriter): void {
  const { rng } = w.ctx;
  w.features.add("jira");
  const key = `${rng.pick(["ENG", "OPS", "SEC", "PAY"])}-${rng.int(1, 4999)}`;
  w.push(
    `<p>Tracked in <ac:structured-macro ac:name="jira" ac:schema-version="1" ac:macro-id="${w.macroId()}"><ac:parameter ac:name="server">System JIRA</ac:parameter><ac:parameter ac:name="serverId">8f5a7c2e-1b3d-3a4f-9c6e-2d1f0e9b8a7c</ac:parameter><ac:parameter ac:name="key">${key}</ac:parameter></ac:structured-macro> ${escapeXml(w.sentence(3, 7))}</p>`,
  );
}

function media(w: BodyWriter): void {
  const { rng } = w.ctx;
  if (rng.chance(0.15)) {
    w.features.add("image-url");
    w.push(
      `<p><ac:image ac:width="${rng.int(200, 760)}"><ri:url ri:value="https://example.com/img/${rng.pick(WORDS)}.png" /></ac:image></p>`,
    );
  } else if (rng.chance(0.6)) {
    w.features.add("image");
    w.push(
      `<p><ac:image ac:height="${rng.int(150, 400)}" ac:alt="${escapeXml(rng.pick(WORDS))} diagram"><ri:attachment ri:filename="${rng.pick(ATTACHMENTS)}" /></ac:image></p>`,
    );
  } else {
    w.features.add("attachment-link");
    w.push(`<p>Download: <ac:link><ri:attachment ri:filename="${rng.pick(FILES)}" /></ac:link></p>`);
  }
}

function tasks(w: BodyWriter): void {
  const { rng } = w.ctx;
  w.features.add("task-list");
  const items: string[] = [];
  for (let i = rng.int(2, 5); i > 0; i--) {
    const status = rng.chance(0.4) ? "complete" : "incomplete";
    items.push(
      `<ac:task><ac:task-id>${rng.int(1, 9999)}</ac:task-id><ac:task-status>${status}</ac:task-status><ac:task-body>${escapeXml(w.sentence(3, 8))} ${w.inline()}</ac:task-body></ac:task>`,
    );
  }
  w.push(`<ac:task-list>${items.join("")}</ac:task-list>`);
}

function quote(w: BodyWriter): void {
  w.features.add("quote");
  w.push(`<blockquote><p>${escapeXml(w.sentence(6, 14))}</p></blockquote>`);
}

function rule(w: BodyWriter): void {
  w.features.add("rule");
  w.push(`<hr />`);
}

/** A Cloud editor panel stored as an ADF extension with its HTML fallback, as newer Cloud pages contain. */
function adfPanel(w: BodyWriter): void {
  const { rng } = w.ctx;
  w.features.add("adf-extension");
  const type = rng.pick(["note", "success", "error", "custom"]);
  const text = escapeXml(w.sentence(5, 12));
  w.push(
    `<ac:adf-extension><ac:adf-node type="panel"><ac:adf-attribute key="panel-type">${type}</ac:adf-attribute><ac:adf-content><p>${text}</p></ac:adf-content></ac:adf-node><ac:adf-fallback><div class="panel"><div class="panelContent"><p>${text}</p></div></div></ac:adf-fallback></ac:adf-extension>`,
  );
}

const BLOCKS: Array<[weight: number, write: (w: BodyWriter) => void]> = [
  [30, (w) => w.push(w.paragraph())],
  [6, (w) => heading(w, w.ctx.rng.int(2, 3))],
  [7, list],
  [6, table],
  [6, code],
  [5, panel],
  [3, expand],
  [3, jira],
  [3, media],
  [3, tasks],
  [2, quote],
  [1, rule],
  [2, adfPanel],
];
const TOTAL_WEIGHT = BLOCKS.reduce((sum, [weight]) => sum + weight, 0);

function block(w: BodyWriter): void {
  let roll = w.ctx.rng.next() * TOTAL_WEIGHT;
  for (const [weight, write] of BLOCKS) {
    roll -= weight;
    if (roll < 0) {
      write(w);
      return;
    }
  }
}

/** A storage-format body of at least `targetBytes` characters, and the features it used. */
export function buildStorageBody(ctx: BodyContext, targetBytes: number): { body: string; features: Set<BodyFeature> } {
  const w = new BodyWriter(ctx);
  const useLayout = ctx.rng.chance(0.15);
  heading(w, 1);
  if (ctx.rng.chance(0.15)) {
    w.features.add("toc");
    w.push(
      `<p><ac:structured-macro ac:name="toc" ac:schema-version="1" ac:macro-id="${w.macroId()}"><ac:parameter ac:name="maxLevel">3</ac:parameter></ac:structured-macro></p>`,
    );
  }
  w.push(w.paragraph());
  while (w.size < targetBytes) {
    if (w.ctx.rng.chance(0.12)) heading(w, 2);
    block(w);
  }
  const labelsLine = `<p>Related topics: ${escapeXml(ctx.rng.sample(LABELS, 2).join(", "))}</p>`;
  w.push(labelsLine);
  if (!useLayout) return { body: w.parts.join(""), features: w.features };
  w.features.add("layout");
  const split = Math.max(1, Math.floor(w.parts.length / 2));
  const left = w.parts.slice(1, split).join("");
  const right = w.parts.slice(split).join("");
  const body =
    `<ac:layout><ac:layout-section ac:type="single"><ac:layout-cell>${w.parts[0]}</ac:layout-cell></ac:layout-section>` +
    `<ac:layout-section ac:type="two_equal"><ac:layout-cell>${left}</ac:layout-cell><ac:layout-cell>${right}</ac:layout-cell></ac:layout-section></ac:layout>`;
  return { body, features: w.features };
}
