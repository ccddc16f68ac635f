// Markdown chunking: the default `Chunker`.
export type { MarkdownChunkerOptions, MarkdownChunkerOptionsInput } from "./markdown-chunker.js";
export { createMarkdownChunker, MarkdownChunker, markdownChunkerOptionsSchema } from "./markdown-chunker.js";
