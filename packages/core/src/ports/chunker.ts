/** Splits a page's Markdown into chunks sized for embedding. */

export interface Chunk {
  /** 0-based position in the page. */
  readonly index: number;
  /** The Markdown stored and shown, links and all. */
  readonly text: string;
  /**
   * The text embedded for this chunk: `text` with link and image targets removed (their text kept). Embedders see
   * this form. @default text
   */
  readonly embedText?: string;
  /** Heading path, page title first, e.g. `["Runbook", "Deploy", "Rollback"]`. */
  readonly breadcrumb: readonly string[];
  /**
   * Stable hash (hex sha-256) of what is embedded (`embedText`, else `text`): an equal hash means an equal vector,
   * so unchanged chunks are not re-embedded.
   */
  readonly hash: string;
  /** Token count of what is embedded, as the chunker measured it (an upper bound). */
  readonly tokens: number;
}

export interface ChunkContext {
  /** Page title: the first element of every breadcrumb. */
  readonly title: string;
}

export interface Chunker {
  /** Stable id including its settings, e.g. `markdown@3:512/64`. */
  readonly id: string;
  chunk(markdown: string, context: ChunkContext): Chunk[];
}
