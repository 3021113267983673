/**
 * The dashboard, the alarms and the functions' environment speak the names of lib/runtime-contract.ts,
 * the module the handlers emit from; and every alarm's runbook link lands on a section of
 * docs/OPERATIONS.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, LOG_LEVEL, METRIC_DEFINITIONS, METRICS } from '../../lib/runtime-contract';
import { RUNBOOK } from '../../lib/stacks/observability-stack';
import { CONSUMER_SERVICES, SERVICES } from '../../lib/topology';
import { synthPipeline } from './synth';

type Resource = { Properties: Record<string, unknown> };

/** The dashboard body as JSON, each CloudFormation token inside it replaced by "TOKEN". */
function dashboardBody(resources: Record<string, unknown>): { widgets: { properties: { metrics?: unknown[][] } }[] } {
  const [dashboard] = Object.values(resources) as Resource[];
  const body = dashboard?.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

interface CustomMetricUse {
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly stat?: string;
}

/** Every metric of our namespace the dashboard draws, with its dimensions and statistic. */
function customMetricsOnDashboard(resources: Record<string, unknown>): CustomMetricUse[] {
  const uses: CustomMetricUse[] = [];
  for (const widget of dashboardBody(resources).widgets) {
    for (const line of widget.properties.metrics ?? []) {
      if (line[0] !== METRICS.namespace) continue;
      const options = (typeof line.at(-1) === 'object' ? line.at(-1) : {}) as { stat?: string };
      const pairs = line.slice(2).filter((part) => typeof part === 'string') as string[];
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
      uses.push({ name: line[1] as string, dimensions, ...(options.stat ? { stat: options.stat } : {}) });
    }
  }
  return uses;
}

interface MetricStat {
  readonly Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
  readonly Stat: string;
  readonly Period: number;
}

/** The one metric an alarm watches, whichever form CloudFormation got it in. */
function alarmMetric(alarm: Resource): MetricStat | undefined {
  const p = alarm.Properties as Record<string, unknown>;
  if (typeof p.MetricName === 'string') {
    return {
      Metric: {
        Namespace: p.Namespace as string,
        MetricName: p.MetricName,
        Dimensions: p.Dimensions as MetricStat['Metric']['Dimensions'],
      },
      Stat: (p.ExtendedStatistic ?? p.Statistic) as string,
      Period: p.Period as number,
    };
  }
  const metrics = (p.Metrics ?? []) as { MetricStat?: MetricStat }[];
  return metrics.length === 1 ? metrics[0]?.MetricStat : undefined;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, title] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(
      (title as string)
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}

describe('observability names come from the runtime contract', () => {
  const { templates } = synthPipeline('dev');
  const observability = templates.observability;
  const definitions = new Map(METRIC_DEFINITIONS.map((d) => [d.name as string, d]));

  it('lists every metric name of METRICS in METRIC_DEFINITIONS, once', () => {
    // Prepare
    const { namespace, serviceDimension, reasonDimension, ...names } = METRICS;

    // Assess
    expect(METRIC_DEFINITIONS.map((d) => d.name).sort()).toEqual(Object.values(names).sort());
    expect([namespace, serviceDimension, reasonDimension]).toEqual(['OrderPipeline', 'service', 'reason']);
  });

  it('draws only contract metrics, with their contract dimensions, for real services', () => {
    // Act
    const uses = customMetricsOnDashboard(observability.findResources('AWS::CloudWatch::Dashboard'));

    // Assess
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) {
      const definition = definitions.get(use.name);
      expect(definition).toBeDefined();
      expect(Object.keys(use.dimensions)).toEqual([METRICS.serviceDimension]);
      expect(SERVICES).toContain(use.dimensions[METRICS.serviceDimension]);
      if (definition?.emittedBy === 'consumers') expect(CONSUMER_SERVICES).toContain(use.dimensions.service);
      else expect(use.dimensions.service).toBe('order-api');
    }
  });

  it('shows handled, duplicates, dead-lettered, failed and p99 event age for every consumer', () => {
    // Act
    const uses = customMetricsOnDashboard(observability.findResources('AWS::CloudWatch::Dashboard'));

    // Assess
    for (const service of CONSUMER_SERVICES) {
      const of = (name: string) => uses.filter((u) => u.name === name && u.dimensions.service === service);
      for (const name of [
        METRICS.eventsHandled,
        METRICS.duplicatesSkipped,
        METRICS.eventsDeadLettered,
        METRICS.eventsFailed,
      ]) {
        expect(of(name)).toEqual([{ name, dimensions: { service }, stat: 'Sum' }]);
      }
      expect(of(METRICS.eventAgeMs)).toEqual([{ name: METRICS.eventAgeMs, dimensions: { service }, stat: 'p99' }]);
    }
    expect(uses).toContainEqual({ name: METRICS.ordersAccepted, dimensions: { service: 'order-api' }, stat: 'Sum' });
  });

  it('searches rejected requests by the contract dimensions', () => {
    const body = JSON.stringify(dashboardBody(observability.findResources('AWS::CloudWatch::Dashboard')));
    expect(body).toContain(
      `SEARCH('{${METRICS.namespace},${METRICS.serviceDimension},${METRICS.reasonDimension}} MetricName=\\"${METRICS.requestsRejected}\\"'`,
    );
  });

  const alarmsOnOurNamespace = () =>
    (Object.values(observability.findResources('AWS::CloudWatch::Alarm')) as Resource[])
      .map((alarm) => ({ alarm: alarm.Properties, stat: alarmMetric(alarm) }))
      .filter(({ stat }) => stat?.Metric.Namespace === METRICS.namespace);

  it.each(CONSUMER_SERVICES)('alarms on failed records, own dead letters and p99 event age of %s', (service) => {
    // Act
    const alarms = alarmsOnOurNamespace().filter(({ stat }) => stat?.Metric.Dimensions[0]?.Value === service);

    // Assess
    const summary = alarms.map(({ alarm, stat }) => ({
      metric: stat?.Metric.MetricName,
      stat: stat?.Stat,
      period: stat?.Period,
      threshold: alarm.Threshold,
      actions: alarm.AlarmActions,
    }));
    const actions = [{ Ref: expect.stringMatching(/^Alarms/) }];
    expect(summary).toEqual([
      { metric: METRICS.eventsFailed, stat: 'Sum', period: 300, threshold: 5, actions },
      { metric: METRICS.eventsDeadLettered, stat: 'Sum', period: 300, threshold: 0, actions },
      { metric: METRICS.eventAgeMs, stat: 'p99', period: 300, threshold: 60_000, actions },
    ]);
  });

  it('uses only contract metric names and dimensions in alarms on our namespace', () => {
    const ours = alarmsOnOurNamespace();
    expect(ours).toHaveLength(CONSUMER_SERVICES.length * 3);
    for (const { stat } of ours) {
      expect(definitions.has(stat?.Metric.MetricName as string)).toBe(true);
      expect(stat?.Metric.Dimensions.map((d) => d.Name)).toEqual([METRICS.serviceDimension]);
    }
  });

  it('links every alarm to a section of docs/OPERATIONS.md that exists', () => {
    // Prepare
    const anchors = anchorsOf(readFileSync(join(__dirname, '..', '..', 'docs', 'OPERATIONS.md'), 'utf8'));
    const alarms = Object.values(observability.findResources('AWS::CloudWatch::Alarm')) as Resource[];

    // Assess
    for (const anchor of Object.values(RUNBOOK)) expect(anchors).toContain(anchor);
    for (const alarm of alarms) {
      const link = /Runbook: docs\/OPERATIONS\.md#([\w-]+)$/.exec(alarm.Properties.AlarmDescription as string);
      expect(link).not.toBeNull();
      expect(anchors).toContain(link?.[1]);
    }
  });

  it('gives every function its Powertools settings from the contract and active tracing', () => {
    for (const template of [templates.services, templates.api]) {
      const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
      const ours = functions.filter(
        (f) =>
          (f.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.[ENV.powertoolsServiceName],
      );
      expect(ours.length).toBeGreaterThan(0);
      for (const fn of ours) {
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(SERVICES).toContain(variables[ENV.powertoolsServiceName]);
        expect(variables[ENV.powertoolsMetricsNamespace]).toBe(METRICS.namespace);
        expect(variables[ENV.powertoolsLogLevel]).toBe(LOG_LEVEL);
        expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      }
    }
  });

  it('lets every traced function write to X-Ray', () => {
    for (const template of [templates.services, templates.api]) {
      const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
      const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
      for (const fn of functions.filter((f) => (f.Properties.TracingConfig as { Mode?: string })?.Mode === 'Active')) {
        const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const statements = policies
          .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
          .flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement);
        const actions = statements.flatMap((st) => st.Action);
        expect(actions).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
      }
    }
  });
});
