/**
 * Telegram's legacy Markdown (parse_mode "Markdown"), the mode of the original's messages:
 * `*bold*`, `_italic_`, `` `code` ``, `[text](url)`. Text from outside (config texts, symbols,
 * user names) is escaped so that it can never open or break an entity.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/([_*`[])/g, '\\$1');
}

export function bold(text: string): string {
  return `*${text}*`;
}

/** A message ready to send: the text and how Telegram must parse it. */
export interface OutgoingText {
  text: string;
  parseMode?: 'Markdown';
}
