/** Errors of the operator tools (ops, smoke), told as what to do about them. */

/** An error as one line an operator can act on. */
export function explain(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'CredentialsProviderError') {
    return `${error.message}: give the tool AWS credentials (--aws-profile <name>, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`;
  }
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${error.name} ${error.message}`)) {
    return `${error.name}: ${error.message} (the credentials in use lack that permission)`;
  }
  return error.message;
}
