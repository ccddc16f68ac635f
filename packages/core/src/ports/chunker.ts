/** Splits a page's Markdown into chunks sized for embedding. */

export interface Chunk {
  /** 0-based position in the page. */
  readonly index: number;
  /** The text to embed and store. */
  readonly text: string;
  /** Heading path, page title first, e.g. `["Runbook", "Deploy", "Rollback"]`. */
  readonly breadcrumb: readonly string[];
  /** Stable hash (hex sha-256) of `text`; equal text gives an equal hash, so unchanged chunks are not re-embedded. */
  readonly hash: string;
  /** Token count of `text` as the chunker measured it. */
  readonly tokens: number;
}

export interface ChunkContext {
  /** Page title: the first element of every breadcrumb. */
  readonly title: string;
}

export interface Chunker {
  /** Stable id including its settings, e.g. `markdown@1:512/64`. */
  readonly id: string;
  chunk(markdown: string, context: ChunkContext): Chunk[];
}
