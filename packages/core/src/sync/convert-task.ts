import { MarkdownChunker } from "../chunk/markdown-chunker.js";
import { StorageConverter, type StorageConverterOptionsInput } from "../convert/storage-converter.js";
import type { Chunk, Chunker } from "../ports/chunker.js";
import type { ConvertContext, Converter, PageMetadata } from "../ports/converter.js";
import { byTitleUrl, stripNul } from "./util.js";

/**
 * How to rebuild a converter and a chunker in another thread: only this package's defaults can be described this
 * way (their settings are plain data); any other instance runs on the calling thread.
 */
export interface ConvertSpec {
  readonly converter: { readonly id: string; readonly options: StorageConverterOptionsInput };
  readonly chunker: { readonly id: string; readonly maxTokens: number; readonly overlapTokens: number };
}

/** The part of a page's conversion context that can cross a thread boundary. */
export interface PortableContext {
  readonly pageId: string;
  readonly title: string;
  readonly spaceKey: string;
  readonly baseUrl: string;
  /** Root page links are built under (`/display/SPACE/Title`). */
  readonly linkRoot: string;
  /** Display names of the users the page mentions, resolved beforehand. */
  readonly users: Readonly<Record<string, string>>;
}

/** What converting and chunking one page produce. */
export interface ConvertOutput {
  readonly markdown: string;
  readonly metadata: PageMetadata;
  readonly chunks: Chunk[];
}

/** Describes a converter/chunker pair for a worker, or `undefined` when either is not one of this package's defaults. */
export function portableSpec(converter: Converter, chunker: Chunker): ConvertSpec | undefined {
  if (!(converter instanceof StorageConverter) || !(chunker instanceof MarkdownChunker)) return undefined;
  // A custom token counter or tokenizer is a function: it cannot be sent to another thread. Only a chunker that the
  // worker rebuilds to the same id (the default tokenizer) goes there.
  // biome-ignore lint/complexity/useLiteralKeys: reads the validated settings the class keeps private
  const sizes = { maxTokens: chunker["max"], overlapTokens: chunker["overlap"] };
  if (new MarkdownChunker(sizes).id !== chunker.id) return undefined;
  // biome-ignore lint/complexity/useLiteralKeys: reads the validated options the class keeps private
  const options = converter["options"];
  return {
    converter: {
      id: converter.id,
      options: {
        maxDepth: options.maxDepth,
        ...(options.jiraBaseUrl === undefined ? {} : { jiraBaseUrl: options.jiraBaseUrl }),
        ...(options.jiraProjectKeys === undefined ? {} : { jiraProjectKeys: [...options.jiraProjectKeys] }),
      },
    },
    // biome-ignore lint/complexity/useLiteralKeys: reads the validated settings the class keeps private
    chunker: { id: chunker.id, maxTokens: chunker["max"], overlapTokens: chunker["overlap"] },
  };
}

/** Rebuilds the pair a spec describes; throws when the rebuilt ids differ (the spec no longer describes them). */
export function buildFromSpec(spec: ConvertSpec): { converter: Converter; chunker: Chunker } {
  const converter = new StorageConverter(spec.converter.options);
  const chunker = new MarkdownChunker({
    maxTokens: spec.chunker.maxTokens,
    overlapTokens: spec.chunker.overlapTokens,
  });
  if (converter.id !== spec.converter.id || chunker.id !== spec.chunker.id) {
    throw new Error(`worker built ${converter.id} + ${chunker.id}, expected ${spec.converter.id} + ${spec.chunker.id}`);
  }
  return { converter, chunker };
}

const MENTION = /ri:(?:account-id|userkey|username)\s*=\s*"([^"]{1,256})"/g;

/** Resolves the display names of every user a storage-format body mentions, so a worker needs no callback. */
export function mentionedUsers(
  body: string,
  resolveUser: ((accountId: string) => string | undefined) | undefined,
): Record<string, string> {
  const users: Record<string, string> = {};
  if (!resolveUser) return users;
  for (const match of body.matchAll(MENTION)) {
    const id = match[1] as string;
    if (Object.hasOwn(users, id)) continue;
    const name = resolveUser(id);
    if (name !== undefined) users[id] = name;
  }
  return users;
}

/** The converter context a portable context stands for. */
export function toConvertContext(context: PortableContext): ConvertContext {
  return {
    pageId: context.pageId,
    title: context.title,
    spaceKey: context.spaceKey,
    baseUrl: context.baseUrl,
    resolveUser: (id) => (Object.hasOwn(context.users, id) ? context.users[id] : undefined),
    resolvePageUrl: (title, spaceKey) => byTitleUrl(context.linkRoot, title, spaceKey ?? context.spaceKey),
  };
}

/** Converts a body and chunks the Markdown: the same steps on whichever thread runs them. */
export function convertAndChunk(
  converter: Converter,
  chunker: Chunker,
  body: string,
  context: ConvertContext & { readonly title: string },
): ConvertOutput {
  const converted = converter.convert(body, context);
  const markdown = stripNul(converted.markdown);
  return { markdown, metadata: converted.metadata, chunks: chunker.chunk(markdown, { title: context.title }) };
}
