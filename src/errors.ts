/**
 * An error caused by the user's input (a file, a key, a value), as opposed to a bug.
 * The CLI prints only the message for these, and the editor shows it as is, so the
 * message must name the file/key/line and say what would fix it.
 */
export class UserError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'UserError';
  }
}
