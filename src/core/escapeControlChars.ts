/**
 * `text` with control characters (NUL, ESC, ...), the byte-order mark and other invisible format
 * characters written as `\u0000`-style escapes, so an error message quoting file content shows them
 * instead of printing raw bytes to a terminal.
 */
export function escapeControlChars(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
