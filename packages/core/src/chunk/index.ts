// Markdown chunking: the default `Chunker`.
export { embedText } from "./embed-text.js";
export type { MarkdownChunkerOptions, MarkdownChunkerOptionsInput } from "./markdown-chunker.js";
export { CL100K, createMarkdownChunker, MarkdownChunker, markdownChunkerOptionsSchema } from "./markdown-chunker.js";
