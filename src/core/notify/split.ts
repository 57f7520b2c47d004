/** Telegram's limit on a message's text, in UTF-16 code units after entity parsing. */
export const MAX_MESSAGE_LENGTH = 4096;

/**
 * Splits a text into parts under `limit`, at line breaks where possible; a single longer line
 * is cut between code points (never inside a surrogate pair).
 */
export function splitMessage(text: string, limit = MAX_MESSAGE_LENGTH): string[] {
  if (text.length <= limit) return [text];
  const parts: string[] = [];
  let current = '';
  const flush = () => {
    if (current) parts.push(current);
    current = '';
  };
  for (const line of text.split('\n')) {
    const piece = current ? `\n${line}` : line;
    if (current.length + piece.length <= limit) {
      current += piece;
      continue;
    }
    flush();
    if (line.length <= limit) {
      current = line;
      continue;
    }
    let chunk = '';
    for (const ch of line) {
      if (chunk.length + ch.length > limit) {
        parts.push(chunk);
        chunk = '';
      }
      chunk += ch;
    }
    current = chunk;
  }
  flush();
  return parts.length ? parts : [''];
}
