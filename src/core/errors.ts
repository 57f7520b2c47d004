/**
 * An error a user can cause (bad config, bad CSV line, bad command arguments, a missing
 * model). Its message is one sentence meant to be shown as is, at the CLI or in the chat.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** Process exit code when this error ends a CLI command. */
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A capability a later piece of work builds; answered plainly, never with a fake result. */
export class NotBuiltError extends UserError {
  constructor(what: string) {
    super(`${what} is not built yet`, { exitCode: 2 });
  }
}

export function isUserError(e: unknown): e is UserError {
  // also one from a user's module, which may hold a copy of this module (the bundled CLI)
  return e instanceof UserError || (e instanceof Error && e.name === 'UserError' && typeof (e as UserError).exitCode === 'number');
}

/** One line for a person: a user error's message, otherwise the error's class and message. */
export function describeError(e: unknown): string {
  if (e instanceof UserError) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
