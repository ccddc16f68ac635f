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

/** The character of an emoji id made of hex code points (`1f680`, `1f468-200d-1f4bb`); else undefined. */
function idCharacter(id: string | undefined): string | undefined {
  if (id === undefined || !/^[0-9a-f]{4,6}(?:-[0-9a-f]{4,6})*$/i.test(id)) return undefined;
  try {
    return String.fromCodePoint(...id.split("-").map((hex) => Number.parseInt(hex, 16)));
  } catch {
    return undefined;
  }
}

/**
 * The emoji an `ac:emoticon` stands for. The editor stores the chosen emoji in `ac:emoji-fallback` (a character),
 * `ac:emoji-id` (its code points) and `ac:emoji-shortname`; `ac:name` is only a legacy name, and `blue-star` is the
 * editor's generic one for any emoji it has no legacy name for. So the emoji's own character wins, then its
 * shortname (a site's custom emoji such as `:toggle-off:` has nothing else), and the legacy name only when the
 * element carries nothing of the editor's or names one of Atlassian's own emoticons.
 */
export function emoticonText(attribs: Readonly<Record<string, string | undefined>>): string {
  const fallback = attribs["ac:emoji-fallback"];
  if (fallback !== undefined && fallback !== "" && !fallback.startsWith(":")) return fallback;
  const id = attribs["ac:emoji-id"];
  const character = idCharacter(id);
  if (character !== undefined) return character;
  const name = attribs["ac:name"] ?? "";
  const known = Object.hasOwn(EMOTICONS, name) ? EMOTICONS[name] : undefined;
  const shortname = attribs["ac:emoji-shortname"] || fallback;
  const atlassian = id?.startsWith("atlassian-") === true;
  if (known !== undefined && (shortname === undefined || shortname === "" || (atlassian && name !== "blue-star"))) {
    return known;
  }
  if (shortname !== undefined && shortname !== "") return shortname;
  if (known !== undefined) return known;
  return name === "" ? "" : `:${name}:`;
}
