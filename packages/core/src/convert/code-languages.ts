/** Confluence code-macro language ids that differ from the names Markdown renderers know. */
const ALIASES: Readonly<Record<string, string>> = {
  none: "",
  text: "",
  plain: "",
  plaintext: "",
  py: "python",
  js: "javascript",
  ts: "typescript",
  "c#": "csharp",
  "c++": "cpp",
  yml: "yaml",
  ps: "powershell",
  vb: "vbnet",
  actionscript3: "actionscript",
  "html/xml": "xml",
};

/** The fence language for a code macro's `language` parameter: lower-cased, aliases resolved, safe for a fence line. */
export function fenceLanguage(language: string): string {
  const lower = language.trim().toLowerCase();
  const name = Object.hasOwn(ALIASES, lower) ? (ALIASES[lower] as string) : lower;
  return name.replace(/[^\w+#.-]/g, "");
}
