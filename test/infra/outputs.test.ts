/**
 * The stack outputs operators and the tools (npm run ops, npm run smoke) read: each under the key
 * lib/stack-outputs.ts names, with the value it promises.
 */
import { STACK_OUTPUTS } from '../../lib/stack-outputs';
import { synthPipeline } from './synth';

describe.each(['dev', 'dev-serverless'])('stack outputs (%s)', (profile) => {
  const { templates, stacks } = synthPipeline(profile);

  it('gives the cluster ARN and the IAM bootstrap brokers from the Kafka stack', () => {
    const outputs = templates.kafka.findOutputs('*');
    const clusterId = Object.keys(
      templates.kafka.findResources(profile === 'dev' ? 'AWS::MSK::Cluster' : 'AWS::MSK::ServerlessCluster'),
    )[0];
    expect(outputs[STACK_OUTPUTS.Kafka.clusterArn]).toMatchObject({ Value: { Ref: clusterId } });
    const bootstrapId = Object.keys(templates.kafka.findResources('Custom::AWS')).find((id) =>
      id.startsWith('BootstrapBrokers'),
    );
    expect(outputs[STACK_OUTPUTS.Kafka.bootstrapBrokers]).toMatchObject({
      Value: { 'Fn::GetAtt': [bootstrapId, 'BootstrapBrokerStringSaslIam'] },
    });
  });

  it('gives the API endpoint under one stable key, and no other', () => {
    const outputs = templates.api.findOutputs('*');
    // Cross-stack references (Exports...) are CDK's plumbing, not outputs for people.
    expect(Object.keys(outputs).filter((key) => !key.startsWith('Exports'))).toEqual([STACK_OUTPUTS.Api.endpoint]);
    const [apiId] = Object.keys(templates.api.findResources('AWS::ApiGateway::RestApi'));
    const [stageId] = Object.keys(templates.api.findResources('AWS::ApiGateway::Stage'));
    expect(outputs[STACK_OUTPUTS.Api.endpoint]?.Value).toEqual({
      'Fn::Join': [
        '',
        ['https://', { Ref: apiId }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: stageId }, '/'],
      ],
    });
  });

  it('gives the dashboard URL and the alarm topic from the Observability stack', () => {
    const outputs = templates.observability.findOutputs('*');
    const dashboard = stacks.observability.resolve(stacks.observability.dashboard.dashboardName);
    expect(outputs[STACK_OUTPUTS.Observability.dashboardUrl]).toMatchObject({
      Value: {
        'Fn::Join': [
          '',
          [`https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=`, dashboard],
        ],
      },
    });
    const [topicId] = Object.keys(templates.observability.findResources('AWS::SNS::Topic'));
    expect(outputs[STACK_OUTPUTS.Observability.alarmTopicArn]).toMatchObject({ Value: { Ref: topicId } });
  });
});
