/**
 * docs/asyncapi.yaml: current with the topology and schemas, valid for the AsyncAPI parser, complete
 * (every topic, event version and service), and with examples that match their own schemas.
 */
import { readFileSync } from 'node:fs';
import { type AsyncAPIDocumentInterface, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { loadConfig } from '../../lib/config';
import { topicPartitions } from '../../lib/topic-settings';
import {
  CONSUMER_SERVICES,
  consumerGroupId,
  deadLetterTopic,
  domainTopic,
  EVENT_NAMES,
  EVENTS,
  latestVersion,
  publishedEvents,
  publishedTopics,
  SERVICE_SPECS,
  SERVICES,
  TOPICS,
} from '../../lib/topology';
import {
  ASYNCAPI_PATH,
  DOCUMENTED_PROFILE,
  messageId,
  receiveOperationId,
  renderAsyncApi,
  sendOperationId,
} from '../../scripts/asyncapi';

const onDisk = readFileSync(ASYNCAPI_PATH, 'utf8');
let document: AsyncAPIDocumentInterface;
let diagnostics: Awaited<ReturnType<Parser['parse']>>['diagnostics'];

beforeAll(async () => {
  // Parsing runs the AsyncAPI ruleset over the whole document: about a second, so once per file.
  const result = await new Parser().parse(onDisk);
  diagnostics = result.diagnostics;
  if (!result.document) throw new Error(`docs/asyncapi.yaml does not parse: ${JSON.stringify(result.diagnostics)}`);
  document = result.document;
});

function messageIds(messages: { all(): { id(): string }[] }): string[] {
  return messages.all().map((m) => m.id());
}

describe('docs/asyncapi.yaml', () => {
  it('is what the generator renders now (run `npm run docs` when this fails)', () => {
    // Act
    const rendered = renderAsyncApi();

    // Assess
    expect(onDisk).toBe(rendered);
  });

  it('has no error or warning from the AsyncAPI parser', () => {
    // Prepare: the one notice left is that AsyncAPI 3.1 exists; the document targets 3.0 on purpose.
    const problems = diagnostics.filter((d) => d.severity <= DiagnosticSeverity.Warning);

    // Assess
    expect(problems.map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(document.version()).toBe('3.0.0');
  });

  it.each(TOPICS.map((t) => [t.name, t] as const))(
    'has a channel for topic %s with its dev settings',
    (name, topic) => {
      // Act
      const channel = document.channels().get(name);

      // Assess
      expect(channel?.address()).toBe(name);
      const binding = channel?.bindings().get('kafka')?.value() as { topic: string; partitions: number };
      expect(binding.topic).toBe(name);
      expect(binding.partitions).toBe(topicPartitions(topic, loadConfig(DOCUMENTED_PROFILE)));
      expect(messageIds(channel?.messages() as never)).toEqual(
        topic.deadLetter
          ? ['DeadLetterRecord']
          : EVENT_NAMES.filter((e) => domainTopic(EVENTS[e].domain) === name).flatMap((e) =>
              EVENTS[e].versions.map((v) => messageId(e, v)),
            ),
      );
    },
  );

  it('has no channel the topology does not have', () => {
    expect(
      document
        .channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(TOPICS.map((t) => t.name));
  });

  it.each(EVENT_NAMES.flatMap((e) => EVENTS[e].versions.map((v) => [e, v] as const)))(
    'has a message for %s v%d: the CloudEvent of that type and data schema',
    (event, version) => {
      // Act
      const message = document.components().messages().get(messageId(event, version));

      // Assess
      expect(message?.name()).toBe(event);
      expect(message?.contentType()).toBe('application/cloudevents+json');
      expect(message?.correlationId()?.location()).toBe('$message.payload#/correlationid');
      const payload = message?.payload()?.json() as {
        properties: { type: { const: string }; dataschema: { const: string }; data: { title: string } };
      };
      expect(payload.properties.type.const).toBe(`orderpipeline.${event}`);
      expect(payload.properties.dataschema.const).toBe(
        `https://schemas.orderpipeline.dev/events/${event}/v${version}.json`,
      );
      expect(payload.properties.data.title).toBe(event);
    },
  );

  it.each(SERVICES)('has the operations of %s: send what it publishes, receive what it subscribes to', (service) => {
    // Prepare
    const operations = document.operations();

    // Act
    const ids = operations.all().map((o) => String(o.id()));

    // Assess
    for (const topic of publishedTopics(service)) {
      const send = operations.get(sendOperationId(service, topic));
      expect(send?.action()).toBe('send');
      expect(send?.channels().all()[0]?.address()).toBe(topic);
      expect(messageIds(send?.messages() as never)).toEqual(
        publishedEvents(service)
          .filter((e) => domainTopic(EVENTS[e].domain) === topic)
          .map((e) => messageId(e, latestVersion(e))),
      );
    }
    if (service === 'order-api') {
      expect(ids.filter((id) => id.startsWith(`${service}.`))).toHaveLength(publishedTopics(service).length);
      return;
    }
    for (const subscription of SERVICE_SPECS[service].subscriptions) {
      const topic = domainTopic(subscription.domain);
      const receive = operations.get(receiveOperationId(service, topic));
      expect(receive?.action()).toBe('receive');
      expect(receive?.channels().all()[0]?.address()).toBe(topic);
      expect(receive?.bindings().get('kafka')?.value()).toEqual({
        groupId: { type: 'string', enum: [consumerGroupId(service, subscription.domain)] },
      });
      expect(messageIds(receive?.messages() as never)).toEqual(
        subscription.events.flatMap((e) => (EVENTS[e].versions as readonly number[]).map((v) => messageId(e, v))),
      );
    }
    const dlq = operations.get(sendOperationId(service, deadLetterTopic(service)));
    expect(dlq?.channels().all()[0]?.address()).toBe(deadLetterTopic(service));
    expect(ids.filter((id) => id.startsWith(`${service}.`))).toHaveLength(
      publishedTopics(service).length + SERVICE_SPECS[service].subscriptions.length + 1,
    );
  });

  it('covers every consumer service with a dead-letter channel', () => {
    for (const service of CONSUMER_SERVICES) expect(document.channels().get(deadLetterTopic(service))).toBeDefined();
  });

  it('has examples that match their payload and header schemas, keyed as the publisher keys them', () => {
    // Prepare
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const messages = document.components().messages().all();
    let checked = 0;

    for (const message of messages) {
      const validatePayload = ajv.compile(message.payload()?.json() as object);
      const validateHeaders = ajv.compile(message.headers()?.json() as object);
      const validateKey = ajv.compile(
        (message.bindings().get('kafka')?.value() as { key: object } | undefined)?.key ?? {},
      );
      const examples = message.examples().all();
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) {
        // Act
        const payloadOk = validatePayload(example.payload());
        const headersOk = validateHeaders(example.headers() ?? {});

        // Assess
        expect({ message: message.id(), example: example.name(), errors: validatePayload.errors ?? null }).toEqual({
          message: message.id(),
          example: example.name(),
          errors: null,
        });
        expect(payloadOk).toBe(true);
        expect({ example: example.name(), errors: validateHeaders.errors ?? null }).toEqual({
          example: example.name(),
          errors: null,
        });
        expect(headersOk).toBe(true);
        if (message.id() !== 'DeadLetterRecord') {
          // The publisher keys every record by its CloudEvent subject.
          const { subject, id } = example.payload() as { subject: string; id: string };
          expect(validateKey(subject)).toBe(true);
          expect(example.headers()).toMatchObject({ ce_id: id });
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(EVENT_NAMES.length + 2);
  });

  it('refuses what the schemas refuse: an example broken on purpose fails its payload schema', () => {
    // Prepare
    const message = document
      .components()
      .messages()
      .get(messageId('OrderCreated', latestVersion('OrderCreated')));
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(message?.payload()?.json() as object);
    const example = structuredClone(message?.examples().all()[0]?.payload()) as { data: { totalCents: unknown } };
    example.data.totalCents = 'free';

    // Act
    const ok = validate(example);

    // Assess
    expect(ok).toBe(false);
  });
});
