import type { ConfluencePage } from "../ports/confluence-source.js";
import { type ConvertPool, ConvertPoolUnavailableError, defaultConvertPool } from "./convert-pool.js";
import { type ConvertOutput, type ConvertSpec, convertAndChunk, mentionedUsers, portableSpec } from "./convert-task.js";
import type { SyncRun } from "./engine.js";
import { webBaseOf } from "./web-base.js";

/**
 * Converts and chunks the pages of one sync: on the worker pool when the converter and chunker are this package's
 * defaults, on the calling thread otherwise (a caller's own instances cannot be sent to a worker, and get no time
 * budget there).
 */
export class PageConvert {
  readonly #spec: ConvertSpec | undefined;
  readonly #pool: ConvertPool | undefined;
  #warned = false;

  constructor(private readonly run: SyncRun) {
    const { converter, chunker, convertPool } = run.options;
    this.#spec = portableSpec(converter!, chunker!);
    this.#pool = this.#spec === undefined || convertPool === false ? undefined : (convertPool ?? defaultConvertPool());
    this.#pool?.warm();
  }

  /** Whether pages go to worker threads. */
  get offThread(): boolean {
    return this.#pool !== undefined && this.#pool.unavailable === undefined;
  }

  /** `resolveUser` names mentioned users; a worker gets the names of the page's mentions, looked up here first. */
  async convert(
    page: ConfluencePage,
    title: string,
    spaceKey: string,
    resolveUser: ((accountId: string) => string | undefined) | undefined,
  ): Promise<ConvertOutput> {
    const { converter, chunker, source } = this.run.options;
    const root = webBaseOf(source);
    if (this.#spec && this.#pool && this.#pool.unavailable === undefined) {
      const context = {
        pageId: page.id,
        title,
        spaceKey,
        baseUrl: root,
        linkRoot: root,
        users: mentionedUsers(page.body, resolveUser),
      };
      try {
        return await this.#pool.run(this.#spec, page.body, context, {
          budgetMs: this.run.tuning.pageTimeBudgetMs,
          ...(this.run.signal ? { signal: this.run.signal } : {}),
        });
      } catch (error) {
        if (!(error instanceof ConvertPoolUnavailableError)) throw error;
        if (!this.#warned) {
          this.#warned = true;
          this.run.logger.warn({ err: error.message }, "converting pages on the main thread");
        }
      }
    }
    const resolvePageUrl = (target: string, targetSpace?: string) => this.run.pageUrl(target, targetSpace ?? spaceKey);
    const context = { pageId: page.id, title, spaceKey, baseUrl: root, resolveUser, resolvePageUrl };
    return convertAndChunk(converter!, chunker!, page.body, context);
  }
}
