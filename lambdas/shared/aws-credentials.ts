/**
 * The one credential provider the functions use: environment credentials. Lambda puts the execution
 * role's keys in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN ("Defined runtime
 * environment variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html),
 * the first source the SDK's default chain would try there anyway; the local runtime sets the same
 * variables for dynalite. Naming it keeps the default chain (INI files, SSO, STS web identity,
 * instance metadata, with their nested clients) out of the bundles: see lib/bundling.ts.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const environmentCredentials = fromEnv();
