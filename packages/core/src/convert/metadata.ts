import type { PageLink, PageMetadata } from "../ports/converter.js";
import { countWords } from "./markdown.js";

/** Issue keys in text: `PROJ-123`, but not `CVE-2021-1234`, `1.2-3` or `ISO-8601:2004`-style version strings. */
const TEXT_KEY = /(?<![A-Za-z0-9_\-./])([A-Z][A-Z0-9_]{1,9})-([1-9]\d{0,6})(?![A-Za-z0-9_\-/]|\.\d)/g;
/** Prefixes that look like issue keys in prose but never are. */
const NOT_PROJECTS = new Set(["UTF", "ISO", "SHA", "RFC", "CVE", "MD", "AES", "TLS", "SSL", "HTTP", "IPV", "COVID"]);
const KEY_IN_URL = /\/browse\/([A-Z][A-Z0-9_]+-\d+)/;

/** Collects page metadata while the renderer walks the tree; unique lists keep first-seen order. */
export class MetadataCollector {
  private readonly jira = new Set<string>();
  private readonly users = new Set<string>();
  private readonly links = new Map<string, PageLink>();
  private readonly files = new Set<string>();
  private readonly external = new Set<string>();
  private readonly languages = new Set<string>();
  private readonly headingList: { level: number; text: string }[] = [];
  private readonly macroCounts = new Map<string, number>();
  private words = 0;

  constructor(private readonly projectKeys?: ReadonlySet<string>) {}

  /** Plain text seen on the page: counts words and finds issue keys. */
  text(text: string, scanKeys = true): void {
    this.words += countWords(text);
    if (scanKeys && text.indexOf("-") >= 0) this.scanKeys(text);
  }

  private scanKeys(text: string): void {
    for (const match of text.matchAll(TEXT_KEY)) {
      const project = match[1] ?? "";
      const known = this.projectKeys === undefined ? !NOT_PROJECTS.has(project) : this.projectKeys.has(project);
      if (known) this.jira.add(match[0]);
    }
  }

  /** {@link text} for text whose words are already counted and whose `-` is already looked for. */
  countedText(text: string, words: number, hasDash: boolean): void {
    this.words += words;
    if (hasDash) this.scanKeys(text);
  }

  jiraKey(key: string): void {
    const trimmed = key.trim();
    if (trimmed !== "") this.jira.add(trimmed);
  }

  mention(accountId: string): void {
    if (accountId !== "") this.users.add(accountId);
  }

  pageLink(link: PageLink): void {
    const key = `${link.spaceKey ?? ""}\u0000${link.title}\u0000${link.contentId ?? ""}`;
    if (!this.links.has(key)) this.links.set(key, link);
  }

  attachment(filename: string): void {
    if (filename !== "") this.files.add(filename);
  }

  url(href: string): void {
    if (!/^https?:\/\//i.test(href)) return;
    this.external.add(href);
    const key = KEY_IN_URL.exec(href)?.[1];
    if (key !== undefined) this.jira.add(key);
  }

  codeLanguage(language: string): void {
    if (language !== "") this.languages.add(language);
  }

  heading(level: number, text: string): void {
    this.headingList.push({ level, text });
  }

  macro(name: string): void {
    this.macroCounts.set(name, (this.macroCounts.get(name) ?? 0) + 1);
  }

  result(): PageMetadata {
    return {
      jiraKeys: [...this.jira],
      mentions: [...this.users],
      pageLinks: [...this.links.values()],
      attachments: [...this.files],
      externalLinks: [...this.external],
      headings: this.headingList,
      codeLanguages: [...this.languages],
      macros: Object.fromEntries(this.macroCounts),
      wordCount: this.words,
    };
  }
}
