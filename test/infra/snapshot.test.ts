import { normalisedTemplate, synthPipeline } from './synth';

describe.each(['dev', 'prod', 'dev-serverless'])('profile %s: synthesized stacks', (profile) => {
  const { templates } = synthPipeline(profile);

  it.each(Object.keys(templates) as (keyof typeof templates)[])('%s stack matches its snapshot', (name) => {
    expect(normalisedTemplate(templates[name])).toMatchSnapshot();
  });
});
