/**
 * Finds a deployed profile from its CloudFormation stack outputs (lib/stack-outputs.ts), so no
 * operator has to paste an ARN or a bootstrap string.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type PipelineStackPart, pipelineStackName, STACK_OUTPUTS } from '../../lib/stack-outputs';

/** The deployment could not be found or read; the message says what to do. */
export class DeploymentNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeploymentNotFoundError';
  }
}

export interface Target {
  /** The deployment profile (`-c profile=...` at deploy time). */
  readonly profile: string;
  readonly region: string;
}

/** Every output of one stack of the profile, by key. */
export async function stackOutputs(
  cloudFormation: CloudFormationClient,
  target: Target,
  part: PipelineStackPart,
): Promise<Record<string, string>> {
  const stackName = pipelineStackName(target.profile, part);
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const found = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = found.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) {
      throw new DeploymentNotFoundError(
        `stack ${stackName} is not deployed in ${target.region}. Deploy it (npx cdk deploy --all -c profile=${target.profile}) or pass the region it is in with --region`,
      );
    }
    throw error;
  }
  return Object.fromEntries(
    outputs
      .filter((o): o is { OutputKey: string; OutputValue: string } => !!o.OutputKey && o.OutputValue !== undefined)
      .map((o) => [o.OutputKey, o.OutputValue]),
  );
}

/** One output the tools need; an older deployment without it is told to redeploy. */
export async function requiredOutput(
  cloudFormation: CloudFormationClient,
  target: Target,
  part: PipelineStackPart,
  key: string,
): Promise<string> {
  const value = (await stackOutputs(cloudFormation, target, part))[key];
  if (!value) {
    throw new DeploymentNotFoundError(
      `stack ${pipelineStackName(target.profile, part)} has no output ${key}; deploy this version of the app (npx cdk deploy --all -c profile=${target.profile})`,
    );
  }
  return value;
}

export function clusterArnOf(cloudFormation: CloudFormationClient, target: Target): Promise<string> {
  return requiredOutput(cloudFormation, target, 'Kafka', STACK_OUTPUTS.Kafka.clusterArn);
}

export function apiEndpointOf(cloudFormation: CloudFormationClient, target: Target): Promise<string> {
  return requiredOutput(cloudFormation, target, 'Api', STACK_OUTPUTS.Api.endpoint);
}
