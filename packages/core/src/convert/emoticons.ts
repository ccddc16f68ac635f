/** Emoji for Confluence's built-in emoticon names, used when the element carries no emoji fallback. */
export const EMOTICONS: Readonly<Record<string, string>> = {
  smile: "🙂",
  sad: "🙁",
  cheeky: "😛",
  laugh: "😀",
  wink: "😉",
  "thumbs-up": "👍",
  "thumbs-down": "👎",
  information: "ℹ️",
  tick: "✅",
  cross: "❌",
  warning: "⚠️",
  plus: "➕",
  minus: "➖",
  question: "❓",
  "light-on": "💡",
  "light-off": "🔦",
  "yellow-star": "⭐",
  "red-star": "⭐",
  "green-star": "⭐",
  "blue-star": "⭐",
  heart: "❤️",
  "broken-heart": "💔",
};

/** The emoji an `ac:emoticon` stands for: its fallback if it is a real emoji, else the built-in name, else `:name:`. */
export function emoticonText(attribs: Readonly<Record<string, string | undefined>>): string {
  const fallback = attribs["ac:emoji-fallback"];
  if (fallback !== undefined && fallback !== "" && !fallback.startsWith(":")) return fallback;
  const name = attribs["ac:name"] ?? "";
  const known = Object.hasOwn(EMOTICONS, name) ? EMOTICONS[name] : undefined;
  if (known !== undefined) return known;
  const shortname = attribs["ac:emoji-shortname"] ?? fallback;
  if (shortname !== undefined && shortname !== "") return shortname;
  return name === "" ? "" : `:${name}:`;
}
