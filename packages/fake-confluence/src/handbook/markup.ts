import type { BodyFeature } from "../generator/storage-body.js";
import { cdata, escapeXml } from "../generator/storage-body.js";

/** What inline markup may refer to while a body is written. */
export interface MarkupContext {
  readonly spaceKey: string;
  /** Identifier a mention uses for user `n`: an account id on Cloud, a user key on Data Center. */
  readonly userId: (n: number) => string;
  readonly deployment: "cloud" | "datacenter";
  /** Constructs used so far; tests read them per page. */
  readonly features: Set<BodyFeature>;
  /** Deterministic macro ids. */
  nextMacroId(): string;
}

/** A piece of a page body; rendered once the context (users, deployment) is known. */
export type Block = (ctx: MarkupContext) => string;

const JIRA_SERVER =
  '<ac:parameter ac:name="server">Acme JIRA</ac:parameter><ac:parameter ac:name="serverId">8f5a7c2e-1b3d-3a4f-9c6e-2d1f0e9b8a7c</ac:parameter>';

/**
 * Inline text with a little markup: `**bold**`, `` `code` ``, `[[Page title]]` (a page link), `@3` (a mention of
 * user 3) and `{{OPS-123}}` (a Jira issue).
 */
export function inline(text: string, ctx: MarkupContext): string {
  return escapeXml(text)
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\[\[([^\]]+)\]\]/g, (_m, title: string) => {
      ctx.features.add("page-link");
      return `<ac:link><ri:page ri:content-title="${title}" /></ac:link>`;
    })
    .replace(/(^|[\s(])@(\d+)\b/g, (_m, lead: string, n: string) => {
      ctx.features.add("user-mention");
      const attr = ctx.deployment === "cloud" ? "ri:account-id" : "ri:userkey";
      return `${lead}<ac:link><ri:user ${attr}="${ctx.userId(Number(n))}" /></ac:link>`;
    })
    .replace(/\{\{([A-Z][A-Z0-9]+-\d+)\}\}/g, (_m, key: string) => {
      ctx.features.add("jira");
      return `<ac:structured-macro ac:name="jira" ac:schema-version="1" ac:macro-id="${ctx.nextMacroId()}">${JIRA_SERVER}<ac:parameter ac:name="key">${key}</ac:parameter></ac:structured-macro>`;
    });
}

export const p =
  (text: string): Block =>
  (ctx) =>
    `<p>${inline(text, ctx)}</p>`;

export const h2 =
  (text: string): Block =>
  (ctx) => {
    ctx.features.add("heading");
    return `<h2>${escapeXml(text)}</h2>`;
  };

export const h3 =
  (text: string): Block =>
  (ctx) => {
    ctx.features.add("heading");
    return `<h3>${escapeXml(text)}</h3>`;
  };

export const ul =
  (...items: string[]): Block =>
  (ctx) => {
    ctx.features.add("list");
    return `<ul>${items.map((item) => `<li>${inline(item, ctx)}</li>`).join("")}</ul>`;
  };

export const ol =
  (...items: string[]): Block =>
  (ctx) => {
    ctx.features.add("list");
    return `<ol>${items.map((item) => `<li>${inline(item, ctx)}</li>`).join("")}</ol>`;
  };

export const code =
  (language: string, text: string, title?: string): Block =>
  (ctx) => {
    ctx.features.add("code");
    const named = title ? `<ac:parameter ac:name="title">${escapeXml(title)}</ac:parameter>` : "";
    return `<ac:structured-macro ac:name="code" ac:schema-version="1" ac:macro-id="${ctx.nextMacroId()}"><ac:parameter ac:name="language">${language}</ac:parameter>${named}<ac:plain-text-body>${cdata(text)}</ac:plain-text-body></ac:structured-macro>`;
  };

export const panel =
  (kind: "info" | "note" | "warning" | "tip", text: string, title?: string): Block =>
  (ctx) => {
    ctx.features.add(`panel-${kind}`);
    const named = title ? `<ac:parameter ac:name="title">${escapeXml(title)}</ac:parameter>` : "";
    return `<ac:structured-macro ac:name="${kind}" ac:schema-version="1" ac:macro-id="${ctx.nextMacroId()}">${named}<ac:rich-text-body><p>${inline(text, ctx)}</p></ac:rich-text-body></ac:structured-macro>`;
  };

export const table =
  (header: readonly string[], rows: readonly (readonly string[])[]): Block =>
  (ctx) => {
    ctx.features.add("table");
    const head = `<tr>${header.map((cell) => `<th>${inline(cell, ctx)}</th>`).join("")}</tr>`;
    const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${inline(cell, ctx)}</td>`).join("")}</tr>`);
    return `<table><tbody>${head}${body.join("")}</tbody></table>`;
  };

/** A task list; `[x]` at the start of an item marks it done. */
export const tasks =
  (...items: string[]): Block =>
  (ctx) => {
    ctx.features.add("task-list");
    const list = items.map((item, i) => {
      const done = item.startsWith("[x] ");
      const text = done ? item.slice(4) : item;
      return `<ac:task><ac:task-id>${i + 1}</ac:task-id><ac:task-status>${done ? "complete" : "incomplete"}</ac:task-status><ac:task-body>${inline(text, ctx)}</ac:task-body></ac:task>`;
    });
    return `<ac:task-list>${list.join("")}</ac:task-list>`;
  };

export const status =
  (colour: "Green" | "Yellow" | "Red" | "Blue" | "Grey", title: string): Block =>
  (ctx) => {
    ctx.features.add("status");
    return `<p><ac:structured-macro ac:name="status" ac:schema-version="1" ac:macro-id="${ctx.nextMacroId()}"><ac:parameter ac:name="colour">${colour}</ac:parameter><ac:parameter ac:name="title">${escapeXml(title)}</ac:parameter></ac:structured-macro></p>`;
  };

export const expand =
  (title: string, ...blocks: Block[]): Block =>
  (ctx) => {
    ctx.features.add("expand");
    return `<ac:structured-macro ac:name="expand" ac:schema-version="1" ac:macro-id="${ctx.nextMacroId()}"><ac:parameter ac:name="title">${escapeXml(title)}</ac:parameter><ac:rich-text-body>${blocks.map((b) => b(ctx)).join("")}</ac:rich-text-body></ac:structured-macro>`;
  };
