/**
 * The one rule for Confluence space keys, shared by the source, source records and the HTTP API: letters, digits and
 * `_` for team spaces (at most 255 characters); `~` plus a user name, email or account id for personal spaces, which
 * may also hold `.`, `@`, `:`, `+` and `-` (`~john.doe`, `~jane@example.com`, `~557058:6f1c0a2e`). CQL takes every
 * such key as a quoted literal.
 */
export const SPACE_KEY_PATTERN = /^(?:[A-Za-z0-9_]{1,255}|~[A-Za-z0-9_.@:+-]{1,255})$/;

/** How a wrong space key is described in validation messages. */
export const SPACE_KEY_RULE =
  "a Confluence space key: letters, digits and _ (e.g. ENG), or ~ and a user name for a personal space (e.g. ~john.doe)";

/** Whether `key` is a Confluence space key under {@link SPACE_KEY_PATTERN}. */
export function isSpaceKey(key: unknown): key is string {
  return typeof key === "string" && SPACE_KEY_PATTERN.test(key);
}
