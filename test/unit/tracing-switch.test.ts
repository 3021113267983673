/**
 * Tracing costs nothing when it is off: lambdas/shared/observability.ts requires Powertools Tracer
 * (and with it the X-Ray SDK, whose automatic mode hooks every promise) only when tracing is on, by
 * Powertools' own rule. test/component/tracing.test.ts covers tracing when it is on.
 */
import type * as ObservabilityModule from '../../lambdas/shared/observability';
import { tracingEnabled } from '../../lambdas/shared/observability';

const KEYS = ['AWS_EXECUTION_ENV', 'POWERTOOLS_TRACE_ENABLED', 'AWS_SAM_LOCAL', 'AWS_XRAY_MANUAL_MODE'] as const;
type TracingEnv = Partial<Record<(typeof KEYS)[number], string>>;

function withEnv<T>(env: TracingEnv, run: () => T): T {
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  for (const key of KEYS) {
    const value = env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    return run();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** observability.ts loaded afresh under `env`, and whether it required Powertools Tracer. */
function loadObservability(env: TracingEnv): { module: typeof ObservabilityModule; tracerRequired: boolean } {
  let tracerRequired = false;
  let module!: typeof ObservabilityModule;
  withEnv(env, () =>
    jest.isolateModules(() => {
      jest.doMock('@aws-lambda-powertools/tracer', () => {
        tracerRequired = true;
        return jest.requireActual('@aws-lambda-powertools/tracer');
      });
      module = require('../../lambdas/shared/observability');
    }),
  );
  return { module, tracerRequired };
}

const LAMBDA = 'AWS_Lambda_nodejs22.x';

describe('Function: tracingEnabled', () => {
  const cases: TracingEnv[] = [];
  for (const executionEnv of [undefined, '', LAMBDA, 'AWS_Lambda_amplify-mock']) {
    for (const enabled of [undefined, 'false', 'FALSE', ' false ', 'true', '']) {
      for (const samLocal of [undefined, 'true']) {
        cases.push({ AWS_EXECUTION_ENV: executionEnv, POWERTOOLS_TRACE_ENABLED: enabled, AWS_SAM_LOCAL: samLocal });
      }
    }
  }

  it.each(cases.map((c) => [JSON.stringify(c), c]))('answers as Powertools Tracer does for %s', (_label, env) => {
    // Prepare: manual mode, so the X-Ray SDK loaded here puts no hook on this worker's promises.
    const full = { ...env, AWS_XRAY_MANUAL_MODE: 'true' };
    const { Tracer } = jest.requireActual(
      '@aws-lambda-powertools/tracer',
    ) as typeof import('@aws-lambda-powertools/tracer');

    // Act
    const powertools = withEnv(full, () => new Tracer().isTracingEnabled());
    const ours = withEnv(full, () => tracingEnabled());

    // Assess
    expect(ours).toBe(powertools);
  });
});

describe('the tracer of lambdas/shared/observability.ts', () => {
  it('does not load Powertools Tracer or the X-Ray SDK when tracing is off, and leaves clients as they are', () => {
    // Act
    const { module, tracerRequired } = loadObservability({ POWERTOOLS_TRACE_ENABLED: 'false' });
    const client = { send: async () => undefined };

    // Assess
    expect(tracerRequired).toBe(false);
    expect(module.tracer.isTracingEnabled()).toBe(false);
    expect(module.tracer.captureAWSv3Client(client)).toBe(client);
  });

  it('does not load them outside Lambda either', () => {
    // Act
    const { tracerRequired } = loadObservability({});

    // Assess
    expect(tracerRequired).toBe(false);
  });

  it('is Powertools Tracer, enabled, inside Lambda', () => {
    // Act
    const { module, tracerRequired } = loadObservability({ AWS_EXECUTION_ENV: LAMBDA, AWS_XRAY_MANUAL_MODE: 'true' });

    // Assess
    expect(tracerRequired).toBe(true);
    expect(module.tracer.isTracingEnabled()).toBe(true);
  });
});
