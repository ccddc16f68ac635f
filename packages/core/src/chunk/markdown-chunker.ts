import { z } from "zod";
import { countCl100k } from "../embed/cl100k-count.js";
import { ConfluenceSyncError } from "../errors.js";
import { sha256 } from "../hash.js";
import type { Chunk, ChunkContext, Chunker } from "../ports/chunker.js";
import type { TokenCounter } from "../ports/embedder.js";
import { type Block, blocks, blockText } from "./blocks.js";
import { embedText, embedTextOf } from "./embed-text.js";
import { boundedCounter, type CountTokens, pack, sentences, splitBlock } from "./split.js";

/** Options of {@link MarkdownChunker}. */
export const markdownChunkerOptionsSchema = z
  .object({
    /** Most tokens in one chunk. @default 512 */
    maxTokens: z
      .number({ message: "maxTokens must be a number" })
      .int("maxTokens must be an integer")
      .min(32, "maxTokens must be at least 32")
      .max(32_768, "maxTokens must be at most 32768")
      .default(512),
    /** Tokens of trailing sentences repeated at the start of the next chunk when a section is cut by size. @default 64 */
    overlapTokens: z
      .number({ message: "overlapTokens must be a number" })
      .int("overlapTokens must be an integer")
      .min(0, "overlapTokens must not be negative")
      .default(64),
    /**
     * The embedding model's tokenizer, e.g. an embedder's `tokenizer`: chunks are sized in its tokens, and its id ends
     * the chunker id unless it is the default. The sync engine passes its embedder's. @default `cl100k_base` (OpenAI)
     */
    tokenizer: z
      .custom<TokenCounter>(
        (value) =>
          typeof value === "object" &&
          value !== null &&
          typeof (value as TokenCounter).count === "function" &&
          typeof (value as TokenCounter).id === "string",
        "tokenizer must be an object with an id and a count function",
      )
      .optional(),
    /** A bare token counter, when there is no tokenizer id to name; the chunker id then ends in `:custom`. */
    countTokens: z
      .custom<CountTokens>((value) => typeof value === "function", "countTokens must be a function")
      .optional(),
  })
  .strict()
  .refine((options) => options.overlapTokens <= options.maxTokens / 4, {
    message: "overlapTokens must be at most a quarter of maxTokens",
    path: ["overlapTokens"],
  });

/** What callers pass to {@link createMarkdownChunker}. */
export type MarkdownChunkerOptionsInput = z.input<typeof markdownChunkerOptionsSchema>;
/** Validated options. */
export type MarkdownChunkerOptions = z.output<typeof markdownChunkerOptionsSchema>;

/** The tokenizer of OpenAI's embedding models; `<|endoftext|>` in a page is counted as plain text. */
export const CL100K: TokenCounter = { id: "cl100k", count: countCl100k };

interface Draft {
  parts: string[];
  /** What each part embeds as, when known and the part ends outside any code fence; else `undefined`. */
  embedded: (string | undefined)[];
  tokens: number;
  /** Heading path of the section holding everything in the chunk. */
  breadcrumb: readonly string[];
  /** Ids of the sections on that path (see `iterate`), to find the section a joining heading shares with it. */
  sectionIds: readonly number[];
  /** Level of the section holding everything in the chunk (0: the page itself). */
  level: number;
  lastText: string | undefined;
  /** The block the last part came from; pieces of one split block never share a chunk. */
  lastBlock: Block | undefined;
}

/**
 * Splits Markdown on its structure: a chunk starts at a heading unless the section fits in the chunk before it (a
 * subsection in its parent's chunk, a small section beside its small siblings; the chunk's breadcrumb is then the
 * section holding them all, and their headings stay in its text), then paragraphs, then sentences. Code blocks and tables are never split unless one alone is over `maxTokens`; then
 * they are cut at line boundaries, re-opening the fence or repeating the table header; a table row over the budget is
 * cut at its cells into rows of the same columns. Chunks are sized, counted and hashed on their {@link embedText}
 * form (links without their targets); `text` keeps the Markdown as written.
 */
export class MarkdownChunker implements Chunker {
  /** @inheritDoc */
  readonly id: string;
  private readonly max: number;
  private readonly overlap: number;
  private readonly count: CountTokens;

  constructor(options: MarkdownChunkerOptionsInput = {}) {
    const parsed = markdownChunkerOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "options";
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `Invalid chunker option ${field}: ${issue?.message ?? "invalid"}`,
      );
    }
    this.max = parsed.data.maxTokens;
    this.overlap = parsed.data.overlapTokens;
    const { countTokens, tokenizer } = parsed.data;
    this.count = boundedCounter(countTokens ?? (tokenizer ?? CL100K).count.bind(tokenizer ?? CL100K));
    const counter =
      countTokens !== undefined
        ? ":custom"
        : tokenizer === undefined || tokenizer.id === CL100K.id
          ? ""
          : `:${tokenizer.id}`;
    // Version 3: small sibling sections share a chunk (2: chunks are sized and hashed on their embedded text).
    this.id = `markdown@3:${this.max}/${this.overlap}${counter}`;
  }

  chunk(markdown: string, context: ChunkContext): Chunk[] {
    return [...this.iterate(markdown, context)];
  }

  /** Yields chunks one by one, so a caller can embed them as they come. */
  *iterate(markdown: string, context: ChunkContext): Generator<Chunk> {
    const measure = (text: string): number => this.count(embedText(text));
    // A whole block or heading keeps what it embeds as when it ends outside any code fence: a chunk made only of
    // such parts embeds as their embedded forms joined by blank lines, so it is not read again.
    const measureWhole = (text: string): { tokens: number; embedded: string | undefined } => {
      const embedded = embedTextOf(text);
      return { tokens: this.count(embedded.text), embedded: embedded.closed ? embedded.text : undefined };
    };
    const sections: { level: number; title: string; id: number }[] = [];
    let sectionId = 0;
    const crumb = () => [context.title, ...sections.map((s) => s.title)];
    // Pieces cut from an oversized block leave room for a heading line or overlap in the same chunk.
    const pieceBudget = this.max - Math.max(this.overlap, Math.min(64, Math.floor(this.max / 8)));
    let index = 0;
    let draft: Draft | undefined;
    const start = (): Draft => ({
      parts: [],
      embedded: [],
      tokens: 0,
      breadcrumb: crumb(),
      sectionIds: sections.map((s) => s.id),
      level: sections.at(-1)?.level ?? 0,
      lastText: undefined,
      lastBlock: undefined,
    });
    const finish = (current: Draft | undefined): Chunk | undefined => {
      if (current === undefined || current.parts.length === 0) return undefined;
      const text = current.parts.join("\n\n");
      const known = current.embedded;
      const embedded = known.every((part) => part !== undefined) ? known.join("\n\n") : embedText(text);
      // Parts were counted once each; their sum (with the joins) bounds the count of the whole from above. Only a
      // sum over the budget, which the estimate may cause on a tiny budget, is checked by counting the whole.
      const tokens = current.tokens > this.max ? this.count(embedded) : current.tokens;
      return {
        index: index++,
        text,
        embedText: embedded,
        breadcrumb: current.breadcrumb,
        hash: sha256(embedded),
        tokens,
      };
    };

    // Headings wait for the content that follows them, so a chunk never ends with a dangling heading.
    let pending: { text: string; tokens: number; level: number; embedded: string | undefined }[] = [];
    let pendingTokens = 0;
    const place = function* (
      this: MarkdownChunker,
      piece: string,
      tokens: number,
      block: Block | undefined,
      split: boolean,
      embedded: string | undefined,
    ) {
      if (pending.length > 0) {
        const headings = pending;
        const headingTokens = pendingTokens;
        pending = [];
        pendingTokens = 0;
        const top = headings.reduce((min, h) => Math.min(min, h.level), 6);
        const fits = draft !== undefined && draft.tokens + headingTokens + tokens + 2 * headings.length + 2 <= this.max;
        if (draft === undefined || draft.parts.length === 0 || !fits) {
          const done = finish(draft);
          if (done !== undefined) yield done;
          draft = start();
        } else if (draft.level >= top) {
          // A sibling or cousin joins: the chunk now belongs to the section holding both.
          let shared = 0;
          while (shared < draft.sectionIds.length && draft.sectionIds[shared] === sections[shared]?.id) shared++;
          draft.sectionIds = draft.sectionIds.slice(0, shared);
          draft.breadcrumb = draft.breadcrumb.slice(0, shared + 1);
          draft.level = sections[shared - 1]?.level ?? 0;
        }
        for (const heading of headings) this.add(draft, heading.text, heading.tokens, undefined, heading.embedded);
        if (draft.parts.length === headings.length || draft.tokens + tokens + 2 <= this.max) {
          this.add(draft, piece, tokens, block, embedded);
          return;
        }
      }
      draft ??= start();
      const sameBlock = split && block !== undefined && draft.lastBlock === block;
      if (draft.parts.length === 0 || (!sameBlock && draft.tokens + tokens + 2 <= this.max)) {
        this.add(draft, piece, tokens, block, embedded);
        return;
      }
      const overlap = this.overlapOf(draft.lastText, tokens, measure);
      const done = finish(draft);
      if (done !== undefined) yield done;
      draft = start();
      if (overlap !== undefined) this.add(draft, overlap.text, overlap.tokens, undefined, undefined);
      this.add(draft, piece, tokens, block, embedded);
    }.bind(this);

    const flushPending = function* (this: MarkdownChunker) {
      if (pending.length === 0) return;
      const texts = pending.map((h) => h.text);
      pending = [];
      pendingTokens = 0;
      for (const piece of pack(texts, "\n\n", pieceBudget, measure)) {
        yield* place(piece.text, piece.tokens, undefined, false, undefined);
      }
    }.bind(this);

    for (const block of blocks(markdown)) {
      if (block.kind === "heading") {
        while ((sections.at(-1)?.level ?? 0) >= block.level) sections.pop();
        sections.push({ level: block.level, title: block.title, id: sectionId++ });
        const { tokens, embedded } = measureWhole(block.text);
        pending.push({ text: block.text, tokens, level: block.level, embedded });
        pendingTokens += tokens + 2;
        // Headings with no content between them (a degenerate page) are packed like lines of text.
        if (pendingTokens > pieceBudget) yield* flushPending();
        continue;
      }
      // Headings too long to share a chunk with anything (a degenerate page) go out on their own.
      if (pending.length > 0 && this.max - pendingTokens < 16) yield* flushPending();
      const text = blockText(block);
      const { tokens: whole, embedded } = measureWhole(text);
      // The headings waiting for this block must fit in its first chunk too.
      const limit = this.max - (pending.length > 0 ? pendingTokens : 0);
      const pieces: { text: string; tokens: number; embedded?: string | undefined }[] =
        whole <= limit
          ? [{ text, tokens: whole, embedded }]
          : splitBlock(block, Math.max(16, Math.min(pieceBudget, limit)), measure);
      const split = pieces.length > 1;
      for (const piece of pieces) yield* place(piece.text, piece.tokens, block, split, piece.embedded);
    }
    // Trailing headings with no content: kept, as their own chunk when they do not fit the last one.
    yield* flushPending();
    const done = finish(draft);
    if (done !== undefined) yield done;
  }

  private add(
    draft: Draft,
    text: string,
    tokens: number,
    block: Block | undefined,
    embedded: string | undefined,
  ): void {
    draft.tokens += draft.parts.length === 0 ? tokens : tokens + 2;
    draft.parts.push(text);
    draft.embedded.push(embedded);
    // Overlap repeats plain prose only: a quoted piece would lose its `>` frame.
    draft.lastText = block?.kind === "text" && !text.startsWith(">") ? text : undefined;
    draft.lastBlock = block;
  }

  /** Trailing sentences of the previous chunk's last paragraph, if they fit beside the next piece. */
  private overlapOf(
    text: string | undefined,
    nextTokens: number,
    measure: CountTokens,
  ): { text: string; tokens: number } | undefined {
    if (this.overlap === 0 || text === undefined || nextTokens + this.overlap + 2 > this.max) return undefined;
    // Only the tail can matter; a sentence cut by the slice is never repeated.
    const sliced = text.length > this.overlap * 16;
    const all = sentences(sliced ? text.slice(-this.overlap * 16) : text);
    const kept: string[] = [];
    let used = 0;
    for (let i = all.length - 1; i >= (sliced ? 1 : 0); i--) {
      const sentence = all[i] as string;
      const tokens = measure(sentence) + 1;
      if (used + tokens > this.overlap) break;
      kept.unshift(sentence);
      used += tokens;
    }
    if (kept.length === 0) return undefined;
    return { text: kept.join(" "), tokens: used };
  }
}

/** Creates a {@link MarkdownChunker}; throws `CONFIG_INVALID` naming the bad option. */
export function createMarkdownChunker(options: MarkdownChunkerOptionsInput = {}): MarkdownChunker {
  return new MarkdownChunker(options);
}
