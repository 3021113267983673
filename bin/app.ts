#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../lib/config';
import { applyNagSuppressions } from '../lib/nag-suppressions';
import { addPipeline } from '../lib/pipeline';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

// `-c profile=prod`; several at once with `-c profile=dev,prod`. Region and AZs from `-c region=`
// and `-c azs=a,b,c`, else the profile's. The account comes from the CLI's credentials when there
// are any; without it the stacks stay account-agnostic, and still span the three named AZs.
const profiles = (context('profile') ?? 'dev').split(',');
const azs = context('azs')?.split(',');
const region = context('region');
// `-c alarmEmail=ops@example.com` subscribes that address to every profile's alarm topic.
const alarmEmail = context('alarmEmail');
for (const profile of profiles) {
  const config = loadConfig(profile.trim(), {
    ...(region ? { region } : {}),
    ...(azs ? { availabilityZones: azs } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
  });
  applyNagSuppressions(addPipeline(app, config, process.env.CDK_DEFAULT_ACCOUNT));
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
