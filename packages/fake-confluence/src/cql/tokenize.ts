/** A CQL token. Strings keep their unescaped value; `word` covers field names, keywords, numbers and bare values. */
export type Token =
  | { readonly kind: "word"; readonly value: string; readonly at: number }
  | { readonly kind: "string"; readonly value: string; readonly at: number }
  | { readonly kind: "op"; readonly value: string; readonly at: number }
  | { readonly kind: "punct"; readonly value: "(" | ")" | ","; readonly at: number };

/** A query the fake cannot parse or does not support; the server answers 400 with its message. */
export class CqlError extends Error {}

const OPERATORS = [">=", "<=", "!=", "!~", "=", ">", "<", "~"];

/** Splits CQL into tokens. Quoted strings honour backslash escapes, so `"a\"b"` is the one value `a"b`. */
export function tokenize(cql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < cql.length) {
    const ch = cql.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ kind: "punct", value: ch, at: i });
      i++;
      continue;
    }
    const op = OPERATORS.find((candidate) => cql.startsWith(candidate, i));
    if (op) {
      tokens.push({ kind: "op", value: op, at: i });
      i += op.length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const start = i;
      let value = "";
      i++;
      for (;;) {
        if (i >= cql.length) throw new CqlError(`unterminated string starting at position ${start}`);
        const c = cql.charAt(i);
        if (c === "\\") {
          if (i + 1 >= cql.length) throw new CqlError(`dangling escape at position ${i}`);
          value += cql.charAt(i + 1);
          i += 2;
          continue;
        }
        if (c === ch) {
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ kind: "string", value, at: start });
      continue;
    }
    const word = /^[A-Za-z0-9_.:\-+]+/.exec(cql.slice(i))?.[0];
    if (!word) throw new CqlError(`unexpected character '${ch}' at position ${i}`);
    tokens.push({ kind: "word", value: word, at: i });
    i += word.length;
  }
  return tokens;
}
