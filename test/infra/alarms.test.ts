/**
 * Alarms that reach someone, and alarms for every documented way Lambda's Kafka trigger loses or
 * stalls records: fine-grained assertions on the Observability stack of each profile.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ALARM_RUNBOOK, ESM_METRICS, METRICS } from '../../lib/runtime-contract';
import { CONSUMER_SERVICES } from '../../lib/topology';
import { synthPipeline } from './synth';

type Resource = { Properties: Record<string, unknown> };

const CLOUDWATCH = { Service: 'cloudwatch.amazonaws.com' };
/** Both grants to CloudWatch are scoped to alarms of the stack's own account and region. */
const FROM_OUR_ALARMS = {
  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
  ArnLike: {
    'aws:SourceArn': {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':cloudwatch:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':alarm:*',
        ],
      ],
    },
  },
};

function alarms(template: Template): Resource[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
}

/** The alarms on one ESM metric, by the mapping they watch. */
function esmAlarms(template: Template, metricName: string): Resource[] {
  return alarms(template).filter(
    (a) => a.Properties.Namespace === ESM_METRICS.namespace && a.Properties.MetricName === metricName,
  );
}

describe('alarm delivery', () => {
  const { templates } = synthPipeline('dev');
  const observability = templates.observability;

  it('lets CloudWatch use the alarm topic key, for this account’s alarms only', () => {
    observability.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Alarm topic',
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'CloudWatchAlarmsEncryptNotifications',
            Effect: 'Allow',
            Principal: CLOUDWATCH,
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: FROM_OUR_ALARMS,
          },
        ]),
      },
    });
  });

  it('lets CloudWatch publish to the alarm topic, for this account’s alarms only, over TLS', () => {
    const [topicId] = Object.keys(observability.findResources('AWS::SNS::Topic'));
    observability.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: CLOUDWATCH,
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: FROM_OUR_ALARMS,
          },
        ]),
      },
    });
  });

  it('sends every alarm to the topic on ALARM and on OK', () => {
    const [topicId] = Object.keys(observability.findResources('AWS::SNS::Topic'));
    for (const alarm of alarms(observability)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('subscribes no one unless asked', () => {
    observability.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('subscribes the address given with -c alarmEmail', () => {
    const withEmail = synthPipeline('dev', { overrides: { alarmEmail: 'ops@example.com' } }).templates.observability;
    const [topicId] = Object.keys(withEmail.findResources('AWS::SNS::Topic'));
    withEmail.resourceCountIs('AWS::SNS::Subscription', 1);
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
  });
});

describe.each(['dev', 'prod', 'dev-serverless'])('alarms on lost or stalled records (%s)', (profile) => {
  const { templates, stacks, config } = synthPipeline(profile);
  const observability = templates.observability;
  const mappings = stacks.services.subscriptions.length;

  it.each([
    [ESM_METRICS.dropped, 'records-dropped-by-lambda'],
    [ESM_METRICS.onFailureDeliveryErrors, 'dead-letter-delivery-errors'],
    [ESM_METRICS.onFailureDelivered, 'records-dead-lettered-by-lambda'],
  ])('alarms on the first %s of every mapping, in one five-minute period', (metricName, runbook) => {
    const found = esmAlarms(observability, metricName);
    expect(found).toHaveLength(mappings);
    for (const alarm of found) {
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: expect.stringMatching(new RegExp(`Runbook: docs/OPERATIONS\\.md#${runbook}$`)),
      });
    }
  });

  it.each([
    [ESM_METRICS.pollingErrors, 'polling-errors'],
    [ESM_METRICS.commitErrors, 'commit-errors'],
  ])('alarms on %s of every mapping that last two of three periods', (metricName, runbook) => {
    const found = esmAlarms(observability, metricName);
    expect(found).toHaveLength(mappings);
    for (const alarm of found) {
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Sum',
        Threshold: 0,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        AlarmDescription: expect.stringMatching(new RegExp(`#${runbook}$`)),
      });
    }
  });

  it('alarms when a mapping stops reporting lag: missing data breaches', () => {
    const found = esmAlarms(observability, ESM_METRICS.maxOffsetLag).filter(
      (a) => a.Properties.Statistic === 'SampleCount',
    );
    expect(found).toHaveLength(mappings);
    const periods = config.alarms.lagNotReportedMinutes / 5;
    for (const alarm of found) {
      expect(alarm.Properties).toMatchObject({
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: periods,
        DatapointsToAlarm: periods,
        TreatMissingData: 'breaching',
        AlarmDescription: expect.stringMatching(/#lag-not-reported$/),
      });
    }
  });

  it('watches each mapping by its own UUID, once per metric', () => {
    for (const metricName of [ESM_METRICS.dropped, ESM_METRICS.pollingErrors, ESM_METRICS.commitErrors]) {
      const watched = esmAlarms(observability, metricName).map(
        (a) => a.Properties.Dimensions as { Name: string; Value: unknown }[],
      );
      for (const dimensions of watched) expect(dimensions.map((d) => d.Name)).toEqual([ESM_METRICS.dimension]);
      expect(new Set(watched.map((d) => JSON.stringify(d[0]?.Value))).size).toBe(mappings);
    }
  });

  it('alarms on the first record a handler dead-letters, in one period', () => {
    // Labelled custom metrics are rendered as a one-metric `Metrics` list.
    const found = alarms(observability).filter((a) =>
      JSON.stringify(a.Properties.Metrics ?? a.Properties.MetricName).includes(`"${METRICS.eventsDeadLettered}"`),
    );
    expect(found).toHaveLength(CONSUMER_SERVICES.length);
    for (const alarm of found) {
      expect(alarm.Properties).toMatchObject({ Threshold: 0, EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    }
  });

  it('names a runbook section of the contract in every alarm', () => {
    const anchors = new Set<string>(Object.values(ALARM_RUNBOOK));
    for (const alarm of alarms(observability)) {
      const anchor = /#([\w-]+)$/.exec(alarm.Properties.AlarmDescription as string)?.[1];
      expect(anchors).toContain(anchor);
    }
  });
});
