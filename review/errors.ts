/** An error whose message is meant for the user (Chinese): the CLI prints it as it is. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
