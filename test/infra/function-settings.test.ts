/**
 * Every function in the synthesized templates runs with the settings lib/topology.ts gives its
 * service (runtime, architecture, memory, timeout), in every profile, so the stacks and the local
 * runtime, which reads the same specs, cannot drift apart.
 */
import { ConfigError, validateFunctionSettings } from '../../lib/config';
import {
  API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
  type FunctionSettings,
  LAMBDA_NODE_RUNTIME,
  TOPIC_ADMIN_FUNCTION,
} from '../../lib/function-settings';
import { ENV } from '../../lib/runtime-contract';
import { SERVICE_SPECS, SERVICES, type ServiceSpec } from '../../lib/topology';
import { synthPipeline } from './synth';

type LambdaFunction = { Properties: Record<string, unknown> };

/** The settings each of our functions must have, by its Powertools service name. */
const EXPECTED: Record<string, FunctionSettings> = {
  ...Object.fromEntries(SERVICES.map((s) => [s, SERVICE_SPECS[s]])),
  'topic-admin': TOPIC_ADMIN_FUNCTION,
};

function ourFunctions(profile: string): { service: string; properties: Record<string, unknown> }[] {
  const { templates } = synthPipeline(profile);
  return Object.values(templates).flatMap((template) =>
    (Object.values(template.findResources('AWS::Lambda::Function')) as LambdaFunction[])
      .map((fn) => ({
        service: (fn.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables?.[
          ENV.powertoolsServiceName
        ],
        properties: fn.Properties,
      }))
      .filter((fn): fn is { service: string; properties: Record<string, unknown> } => fn.service !== undefined),
  );
}

describe.each(['dev', 'prod', 'dev-serverless'])('function settings in profile %s', (profile) => {
  const functions = ourFunctions(profile);

  it('has one function per topology service (and the topic admin on MSK Serverless)', () => {
    const expected = [...SERVICES, ...(profile === 'dev-serverless' ? ['topic-admin'] : [])];
    expect(functions.map((f) => f.service).sort()).toEqual(expected.sort());
  });

  it('runs each function with the runtime, architecture, memory and timeout of its spec', () => {
    for (const { service, properties } of functions) {
      const settings = EXPECTED[service] as FunctionSettings;
      expect({ service, ...properties }).toMatchObject({
        service,
        Runtime: settings.runtime,
        Architectures: [settings.architecture],
        MemorySize: settings.memoryMb,
        Timeout: settings.timeoutSeconds,
      });
    }
  });
});

describe('function settings in the topology', () => {
  it('puts every function on the newest Node.js runtime the CDK offers, on arm64', () => {
    for (const settings of Object.values(EXPECTED)) {
      expect(settings).toMatchObject({ runtime: 'nodejs24.x', architecture: 'arm64' });
    }
    expect(LAMBDA_NODE_RUNTIME).toBe('nodejs24.x');
  });

  it('lets order-api time out before API Gateway does', () => {
    expect(SERVICE_SPECS['order-api'].timeoutSeconds).toBeLessThan(API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS);
  });

  it('refuses an HTTP function that would outlive API Gateway, naming the setting and the fix', () => {
    const slowApi: ServiceSpec = { ...SERVICE_SPECS['order-api'], timeoutSeconds: 30 };
    expect(() => validateFunctionSettings({ 'order-api': slowApi })).toThrow(ConfigError);
    expect(() => validateFunctionSettings({ 'order-api': slowApi })).toThrow(
      'Invalid deployment config: topology order-api timeoutSeconds (30) is out of range: API Gateway gives up after 29 s, so the function must stop first. Fix: use 1..28',
    );
  });

  it('refuses a Kafka-triggered function over 14 minutes and memory outside Lambda’s range', () => {
    const long: ServiceSpec = { ...SERVICE_SPECS.payment, timeoutSeconds: 841 };
    const huge: ServiceSpec = { ...SERVICE_SPECS.payment, memoryMb: 20_000 };
    expect(() => validateFunctionSettings({ payment: long })).toThrow(
      /payment timeoutSeconds \(841\) is out of range: Kafka event source mappings only take functions with a timeout of 840 s or less/,
    );
    expect(() => validateFunctionSettings({ payment: huge })).toThrow(
      'Invalid deployment config: topology payment memoryMb is 20000. Fix: use a whole number of MB from 128 to 10240',
    );
    expect(() => validateFunctionSettings()).not.toThrow();
  });
});
