import type { FakeAttachmentView, FakeComment, FakePage } from "../model.js";
import type { FakeConfluenceState } from "../state.js";
import { parseCqlDate } from "./dates.js";
import { CqlError, type Token, tokenize } from "./tokenize.js";

/** What a CQL search looks at: pages, blog posts and comments. */
export type CqlItem = FakePage | FakeComment | FakeAttachmentView;

/** A compiled query: which content matches, and in which order. */
export interface CompiledCql {
  matches(page: CqlItem): boolean;
  compare(a: CqlItem, b: CqlItem): number;
}

type Predicate = (page: CqlItem) => boolean;

const TYPES = new Set(["page", "blogpost", "comment", "attachment", "folder", "whiteboard", "database", "embed"]);
const KEYWORDS = new Set(["and", "or", "not", "in", "order", "by", "asc", "desc"]);

class Parser {
  #i = 0;
  constructor(
    readonly tokens: readonly Token[],
    readonly state: FakeConfluenceState,
    readonly timeZone: string,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.#i];
  }

  next(what: string): Token {
    const token = this.tokens[this.#i++];
    if (!token) throw new CqlError(`expected ${what} but the query ended`);
    return token;
  }

  isKeyword(word: string, token = this.peek()): boolean {
    return token?.kind === "word" && token.value.toLowerCase() === word;
  }

  query(nested: boolean): Predicate[] {
    const predicates: Predicate[] = [];
    for (;;) {
      const token = this.peek();
      if (!token || (nested && token.kind === "punct" && token.value === ")") || this.isKeyword("order")) break;
      if (predicates.length > 0) {
        if (this.isKeyword("or")) throw new CqlError("OR is not supported by this server; combine clauses with AND");
        if (!this.isKeyword("and")) throw new CqlError(`expected AND at position ${token.at}`);
        this.#i++;
      }
      predicates.push(this.clause());
    }
    if (predicates.length === 0) throw new CqlError("the query has no clause");
    return predicates;
  }

  clause(): Predicate {
    const token = this.next("a field");
    if (token.kind === "punct" && token.value === "(") {
      const inner = this.query(true);
      const close = this.next("')'");
      if (close.kind !== "punct" || close.value !== ")") throw new CqlError(`expected ')' at position ${close.at}`);
      return (page) => inner.every((p) => p(page));
    }
    if (token.kind !== "word" || KEYWORDS.has(token.value.toLowerCase())) {
      if (this.isKeyword("not", token)) throw new CqlError("NOT is not supported by this server");
      throw new CqlError(`expected a field at position ${token.at}`);
    }
    const field = token.value.toLowerCase();
    let op: string;
    if (this.isKeyword("in")) {
      this.#i++;
      op = "in";
    } else if (this.isKeyword("not")) {
      this.#i++;
      if (!this.isKeyword("in")) throw new CqlError("expected IN after NOT");
      this.#i++;
      op = "not in";
    } else {
      const opToken = this.next("an operator");
      if (opToken.kind !== "op") throw new CqlError(`expected an operator after '${token.value}'`);
      op = opToken.value;
    }
    const values = op === "in" || op === "not in" ? this.list() : [this.value()];
    return this.predicate(field, op, values);
  }

  value(): string {
    const token = this.next("a value");
    if (token.kind === "string") return token.value;
    if (token.kind === "word" && !KEYWORDS.has(token.value.toLowerCase())) return token.value;
    throw new CqlError(`expected a value at position ${token.at}`);
  }

  list(): string[] {
    const open = this.next("'('");
    if (open.kind !== "punct" || open.value !== "(") throw new CqlError(`expected '(' at position ${open.at}`);
    const values = [this.value()];
    for (;;) {
      const token = this.next("',' or ')'");
      if (token.kind === "punct" && token.value === ")") return values;
      if (token.kind !== "punct" || token.value !== ",")
        throw new CqlError(`expected ',' or ')' at position ${token.at}`);
      values.push(this.value());
    }
  }

  predicate(field: string, op: string, values: string[]): Predicate {
    const set = (read: (page: CqlItem) => readonly string[], normalize = (v: string) => v): Predicate => {
      if (!["=", "!=", "in", "not in"].includes(op)) throw new CqlError(`operator ${op} is not supported for ${field}`);
      const wanted = new Set(values.map(normalize));
      const positive = op === "=" || op === "in";
      return (page) => read(page).some((v) => wanted.has(v)) === positive;
    };
    switch (field) {
      case "space":
      case "space.key":
        return set((page) => [page.spaceKey]);
      case "type":
        for (const v of values) if (!TYPES.has(v.toLowerCase())) throw new CqlError(`unknown content type '${v}'`);
        return set(
          (page) => [page.type ?? "page"],
          (v) => v.toLowerCase(),
        );
      case "label":
        return set((page) => page.labels);
      case "id":
      case "content":
        return set((page) => [page.id]);
      case "ancestor":
        return set((page) => this.state.ancestorsOf(page.id));
      case "parent":
        return set((page) => (page.type === "comment" || page.parentId === null ? [] : [page.parentId]));
      case "title":
        if (op === "~" || op === "!~") {
          const needle = (values[0] ?? "").toLowerCase().replace(/\*/g, "");
          return (page) => page.title.toLowerCase().includes(needle) === (op === "~");
        }
        return set((page) => [page.title]);
      case "lastmodified":
        return this.date(op, values[0] ?? "", (page) => page.version.when);
      case "created":
        return this.date(op, values[0] ?? "", (page) => page.createdAt);
      default:
        throw new CqlError(`field '${field}' is not supported by this server`);
    }
  }

  date(op: string, value: string, read: (page: CqlItem) => string): Predicate {
    const { startMs, endMs } = parseCqlDate(value, this.timeZone);
    // Confluence compares at minute precision, so a page edited at 10:15:59 is "at" 10:15.
    const minute = (page: CqlItem) => Math.floor(Date.parse(read(page)) / 60_000) * 60_000;
    switch (op) {
      case ">=":
        return (page) => minute(page) >= startMs;
      case ">":
        return (page) => minute(page) >= endMs;
      case "<=":
        return (page) => minute(page) < endMs;
      case "<":
        return (page) => minute(page) < startMs;
      case "=":
        return (page) => minute(page) >= startMs && minute(page) < endMs;
      case "!=":
        return (page) => minute(page) < startMs || minute(page) >= endMs;
      default:
        throw new CqlError(`operator ${op} is not supported for dates`);
    }
  }

  orderBy(): (a: CqlItem, b: CqlItem) => number {
    const byId = (a: CqlItem, b: CqlItem) => Number(a.id) - Number(b.id);
    if (!this.isKeyword("order")) return byId;
    this.#i++;
    if (!this.isKeyword("by")) throw new CqlError("expected BY after ORDER");
    this.#i++;
    const keys: Array<(a: CqlItem, b: CqlItem) => number> = [];
    do {
      if (keys.length > 0) this.#i++;
      const field = this.next("a field to order by");
      const name = field.value.toLowerCase();
      const read: ((page: CqlItem) => string | number) | undefined = {
        lastmodified: (page: CqlItem) => page.version.when,
        created: (page: CqlItem) => page.createdAt,
        title: (page: CqlItem) => page.title.toLowerCase(),
        id: (page: CqlItem) => Number(page.id),
      }[name];
      if (field.kind !== "word" || !read) throw new CqlError(`cannot order by '${field.value}'`);
      let sign = 1;
      if (this.isKeyword("asc") || this.isKeyword("desc"))
        sign = this.next("a direction").value.toLowerCase() === "desc" ? -1 : 1;
      keys.push((a, b) => {
        const x = read(a);
        const y = read(b);
        return (x < y ? -1 : x > y ? 1 : 0) * sign;
      });
    } while (this.peek()?.kind === "punct" && this.peek()?.value === ",");
    if (this.peek()) throw new CqlError(`unexpected '${this.peek()?.value}' after ORDER BY`);
    return (a, b) => {
      for (const key of keys) {
        const c = key(a, b);
        if (c !== 0) return c;
      }
      return byId(a, b);
    };
  }
}

/**
 * Compiles the CQL subset the fake supports: `space`, `type`, `label`, `id`, `ancestor`, `parent`, `title`,
 * `lastmodified` and `created` with `=`, `!=`, `in`, `not in` (and date comparisons), joined by AND, with optional
 * parentheses and ORDER BY. Anything else throws {@link CqlError}. Values are only ever compared, never evaluated.
 */
export function compileCql(cql: string, state: FakeConfluenceState, timeZone: string): CompiledCql {
  const parser = new Parser(tokenize(cql), state, timeZone);
  const predicates = parser.isKeyword("order") ? [] : parser.query(false);
  const compare = parser.orderBy();
  return { matches: (page) => predicates.every((p) => p(page)), compare };
}
