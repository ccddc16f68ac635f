/** Turns a page's storage-format body into Markdown plus the metadata found on the way. */

/** A link to another Confluence page. */
export interface PageLink {
  readonly title: string;
  readonly spaceKey?: string;
  readonly contentId?: string;
  /** Resolved URL when the target is known. */
  readonly url?: string;
}

/** Everything the converter extracts from a page in the same pass as the Markdown. */
export interface PageMetadata {
  /** JIRA issue keys from jira macros, links and plain text, e.g. `PROJ-123`; unique, in order of appearance. */
  readonly jiraKeys: string[];
  /** Account ids (or user keys) of mentioned users; unique. */
  readonly mentions: string[];
  readonly pageLinks: PageLink[];
  /** Attachment file names referenced by images, links and macros; unique. */
  readonly attachments: string[];
  /** Absolute http(s) URLs linked from the page; unique. */
  readonly externalLinks: string[];
  /** The page's heading outline in order. */
  readonly headings: { readonly level: number; readonly text: string }[];
  /** Languages of code blocks, unique. */
  readonly codeLanguages: string[];
  /** How often each macro name occurs. */
  readonly macros: Record<string, number>;
  readonly wordCount: number;
  /** Set on the entry of an attached file (its id starts with `att`); pages have none. */
  readonly attachment?: AttachmentMetadata;
}

/** What the store keeps about an attached file besides its text. */
export interface AttachmentMetadata {
  readonly fileName: string;
  readonly mediaType: string;
  readonly fileSize: number;
  /** Caption ("comment") of the file; `""` when none. */
  readonly comment: string;
  /** Id of the page that holds the file. */
  readonly pageId: string;
  /** Set when the file was not indexed: why, in words a person can act on. */
  readonly skipped?: { readonly reason: string; readonly message: string };
}

/** What the converter may consult; everything is optional. */
export interface ConvertContext {
  readonly pageId?: string;
  readonly title?: string;
  readonly spaceKey?: string;
  /** Site base URL, used to build links to known pages and attachments. */
  readonly baseUrl?: string;
  /** Display name for a user id; the mention renders as `@accountId` when this returns nothing. */
  readonly resolveUser?: (accountId: string) => string | undefined;
  /** URL of a page by title (and space); the link keeps its text and title when this returns nothing. */
  readonly resolvePageUrl?: (title: string, spaceKey?: string) => string | undefined;
}

export interface ConvertResult {
  readonly markdown: string;
  readonly metadata: PageMetadata;
  /** Problems found in the input (malformed XML, unknown macros, ...). Conversion still produced its best output. */
  readonly warnings: string[];
}

/** Pure and deterministic: the same input and context always give the same output. Must not throw on malformed input. */
export interface Converter {
  /** Stable id, stored so a converter change can trigger re-conversion, e.g. `storage-md@2`. */
  readonly id: string;
  convert(storage: string, context?: ConvertContext): ConvertResult;
}
