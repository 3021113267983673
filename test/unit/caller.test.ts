import type { APIGatewayEventIdentity } from 'aws-lambda';
import { callerOf, withoutSession } from '../../lambdas/order-api/caller';
import fixture from '../fixtures/apigw-proxy-event.json';

/** The fixture's identity (an IAM user's signed request) with some fields replaced. */
const identity = (fields: Partial<APIGatewayEventIdentity> = {}): APIGatewayEventIdentity => ({
  ...(structuredClone(fixture.requestContext.identity) as APIGatewayEventIdentity),
  ...fields,
});

describe('Function: callerOf', () => {
  it("names an IAM user by the user's ARN", () => {
    // Act
    const caller = callerOf(identity());

    // Assess
    expect(caller).toBe('arn:aws:iam::123456789012:user/ada');
  });

  it.each([
    ['the account root user', 'arn:aws:iam::123456789012:root'],
    ['a federated user (GetFederationToken)', 'arn:aws:sts::123456789012:federated-user/ada'],
    ['a user in another partition', 'arn:aws-cn:iam::123456789012:user/ada'],
  ])('names %s by its ARN as it is', (_label, userArn) => {
    // Act
    const caller = callerOf(identity({ userArn }));

    // Assess
    expect(caller).toBe(userArn);
  });

  it("names a role's sessions by the role alone, whatever the session name and credentials", () => {
    // Prepare
    const session = (name: string, accessKey: string) =>
      identity({
        userArn: `arn:aws:sts::123456789012:assumed-role/order-client/${name}`,
        caller: `AROAEXAMPLEORDERCLIENT:${name}`,
        user: `AROAEXAMPLEORDERCLIENT:${name}`,
        accessKey,
      });

    // Act
    const callers = [
      callerOf(session('botocore-session-1736935200', 'ASIA-EXAMPLE-1')),
      callerOf(session('i-0123456789abcdef0', 'ASIA-EXAMPLE-2')),
      callerOf(session('ada@example.com', 'ASIA-EXAMPLE-3')),
    ];

    // Assess
    expect(callers).toEqual([
      'arn:aws:sts::123456789012:assumed-role/order-client',
      'arn:aws:sts::123456789012:assumed-role/order-client',
      'arn:aws:sts::123456789012:assumed-role/order-client',
    ]);
  });

  it('keeps roles of the same name in two accounts apart', () => {
    // Act
    const here = callerOf(identity({ userArn: 'arn:aws:sts::123456789012:assumed-role/order-client/s' }));
    const there = callerOf(identity({ userArn: 'arn:aws:sts::000000000000:assumed-role/order-client/s' }));

    // Assess
    expect(here).not.toBe(there);
  });

  it('names a Cognito identity pool user by the identity id, not by the role all its users share', () => {
    // Prepare
    const poolUser = (identityId: string) =>
      identity({
        userArn: 'arn:aws:sts::123456789012:assumed-role/shop-identity-pool-auth/CognitoIdentityCredentials',
        cognitoIdentityPoolId: 'eu-west-1:0b9d2a3c-1e4f-4a5b-8c6d-7e8f9a0b1c2d',
        cognitoIdentityId: identityId,
        cognitoAuthenticationType: 'authenticated',
      });

    // Act
    const one = callerOf(poolUser('eu-west-1:1f2e3d4c-0000-4000-8000-000000000001'));
    const two = callerOf(poolUser('eu-west-1:1f2e3d4c-0000-4000-8000-000000000002'));

    // Assess
    expect(one).toBe('cognito-identity:eu-west-1:1f2e3d4c-0000-4000-8000-000000000001');
    expect(two).toBe('cognito-identity:eu-west-1:1f2e3d4c-0000-4000-8000-000000000002');
  });

  it.each([
    ['an identity without userArn or Cognito id', identity({ userArn: null, cognitoIdentityId: null })],
    ['empty strings', identity({ userArn: '', cognitoIdentityId: '' })],
    ['no identity at all', null],
    ['an undefined identity', undefined],
  ])('names nobody for %s', (_label, given) => {
    // Act
    const caller = callerOf(given);

    // Assess
    expect(caller).toBeUndefined();
  });
});

describe('Function: withoutSession', () => {
  it('leaves an assumed-role ARN without a session as it is', () => {
    // Act
    const arn = withoutSession('arn:aws:sts::123456789012:assumed-role/order-client');

    // Assess
    expect(arn).toBe('arn:aws:sts::123456789012:assumed-role/order-client');
  });
});
