/**
 * Synthesizes the pipeline for tests: the same stacks and cdk-nag checks as `cdk synth`, without
 * AWS credentials or network. Bundling is skipped (assets hash their sources instead), except when
 * a test asks for it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type ConfigOverrides, loadConfig, type PipelineConfig } from '../../lib/config';
import { applyNagSuppressions } from '../../lib/nag-suppressions';
import { addPipeline, type PipelineStacks } from '../../lib/pipeline';

export interface SynthesizedPipeline {
  readonly config: PipelineConfig;
  readonly stacks: PipelineStacks;
  readonly assembly: CloudAssembly;
  readonly templates: Record<keyof PipelineStacks, Template>;
}

const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

const cache = new Map<string, SynthesizedPipeline>();

export function synthPipeline(
  profile: string,
  options: { bundle?: boolean; outdir?: string; overrides?: ConfigOverrides } = {},
): SynthesizedPipeline {
  const key = `${profile}:${options.bundle ?? false}:${options.outdir ?? ''}:${JSON.stringify(options.overrides ?? {})}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const app = new App({
    outdir: options.outdir ?? mkdtempSync(join(tmpdir(), 'cdk-test-')),
    // The same feature flags as `cdk synth`, from cdk.json.
    context: { ...CDK_JSON_CONTEXT, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const config = loadConfig(profile, options.overrides);
  const stacks = addPipeline(app, config);
  applyNagSuppressions(stacks);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Throws with the report if any cdk-nag rule fails.
  const assembly = app.synth();
  const templates = Object.fromEntries(
    Object.entries(stacks).map(([name, stack]) => [name, Template.fromStack(stack)]),
  ) as Record<keyof PipelineStacks, Template>;
  const result = { config, stacks, assembly, templates };
  cache.set(key, result);
  return result;
}

/** A template with asset hashes replaced, so a handler edit does not churn snapshots. */
export function normalisedTemplate(template: Template): unknown {
  const text = JSON.stringify(template.toJSON()).replace(
    /[0-9a-f]{64}(\.zip|\.json)?/g,
    (_m, ext: string | undefined) => `<asset-hash>${ext ?? ''}`,
  );
  return JSON.parse(text);
}
