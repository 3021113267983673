import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONSUMER_SERVICES,
  consumedTopics,
  consumerGroups,
  DOMAINS,
  deadLetterTopic,
  domainTopic,
  EVENT_NAMES,
  EVENTS,
  type EventName,
  latestVersion,
  publishedTopics,
  SERVICE_SPECS,
  SERVICES,
  type ServiceName,
  TOPICS,
} from '../../lib/topology';

const REPO_ROOT = join(__dirname, '../..');
const EVENTS_DIR = join(REPO_ROOT, 'lambdas/shared/events');

/** Every [event, version] pair the topology declares. */
const eventVersions: [EventName, number][] = EVENT_NAMES.flatMap((name) =>
  (EVENTS[name].versions as readonly number[]).map((v): [EventName, number] => [name, v]),
);

/** Every subscription of every consumer service. */
const subscriptions = CONSUMER_SERVICES.flatMap((service) =>
  SERVICE_SPECS[service].subscriptions.map((sub) => ({ service, ...sub })),
);

describe('Module: topology', () => {
  describe('subscriptions', () => {
    it.each(subscriptions.map((s) => [s.service, s.domain, s]))(
      '%s on %s only filters for events of that domain topic',
      (_service, _domain, sub) => {
        // Act
        const domains = sub.events.map((e) => EVENTS[e].domain);

        // Assess
        expect(sub.events.length).toBeGreaterThan(0);
        expect(domains).toEqual(sub.events.map(() => sub.domain));
      },
    );

    it('has no service subscribing twice to one domain', () => {
      // Act
      const perService = CONSUMER_SERVICES.map((s) => SERVICE_SPECS[s].subscriptions.map((sub) => sub.domain));

      // Assess
      for (const domains of perService) expect(new Set(domains).size).toBe(domains.length);
    });

    it('gives every service a kafka trigger exactly when it has subscriptions', () => {
      // Act
      const mismatched = SERVICES.filter(
        (s) => (SERVICE_SPECS[s].trigger === 'kafka') !== SERVICE_SPECS[s].subscriptions.length > 0,
      );

      // Assess
      expect(mismatched).toEqual([]);
    });
  });

  describe('events', () => {
    it.each(EVENT_NAMES)('%s has one producer, a known service', (name) => {
      // Prepare
      const producer: unknown = EVENTS[name].producer;

      // Assess
      expect(typeof producer).toBe('string');
      expect(SERVICES).toContain(producer);
    });

    it.each(EVENT_NAMES)('%s is published to a known domain', (name) => {
      // Assess
      expect(DOMAINS).toContain(EVENTS[name].domain);
    });

    it.each(EVENT_NAMES)('%s has versions 1, 2, ... in strictly increasing order', (name) => {
      // Prepare
      const versions = EVENTS[name].versions as readonly number[];

      // Assess
      expect(versions.length).toBeGreaterThan(0);
      expect(versions).toEqual(versions.map((_v, i) => i + 1));
      expect(latestVersion(name)).toBe(versions.length);
    });

    it('lets a producer publish only to topics that exist', () => {
      // Prepare
      const topicNames = TOPICS.map((t) => t.name);

      // Act
      const published = SERVICES.flatMap((s: ServiceName) => publishedTopics(s));

      // Assess
      for (const topic of published) expect(topicNames).toContain(topic);
    });
  });

  describe('schemas and examples', () => {
    it.each(eventVersions)('%s v%d has a data schema on disk titled with the event name', (name, version) => {
      // Prepare
      const path = join(EVENTS_DIR, 'schemas', `${name}.v${version}.schema.json`);

      // Act
      const exists = existsSync(path);

      // Assess
      expect(exists).toBe(true);
      const schema = JSON.parse(readFileSync(path, 'utf8'));
      expect(schema.title).toBe(name);
      expect(schema.$id).toBe(`https://schemas.orderpipeline.dev/events/${name}/v${version}.json`);
    });

    it.each(eventVersions)('%s v%d has an example on disk of that type and version', (name, version) => {
      // Prepare
      const path = join(EVENTS_DIR, 'examples', `${name}.v${version}.example.json`);

      // Act
      const exists = existsSync(path);

      // Assess
      expect(exists).toBe(true);
      const example = JSON.parse(readFileSync(path, 'utf8'));
      expect(example.type).toBe(`orderpipeline.${name}`);
      expect(example.dataschema).toBe(`https://schemas.orderpipeline.dev/events/${name}/v${version}.json`);
    });
  });

  describe('topics', () => {
    it('names every topic once', () => {
      // Act
      const names = TOPICS.map((t) => t.name);

      // Assess
      expect(new Set(names).size).toBe(names.length);
    });

    it('has one domain topic per domain, none of them a dead-letter topic', () => {
      // Act
      const domainTopics = TOPICS.filter((t) => !t.deadLetter);

      // Assess
      expect(domainTopics.map((t) => t.name).sort()).toEqual(DOMAINS.map(domainTopic).sort());
    });

    it.each(CONSUMER_SERVICES)('gives the consumer %s exactly one dead-letter topic, "<service>.dlq"', (service) => {
      // Act
      const dlqs = TOPICS.filter((t) => t.deadLetter && t.ownerService === service);

      // Assess
      expect(dlqs.map((t) => t.name)).toEqual([`${service}.dlq`]);
      expect(deadLetterTopic(service)).toBe(`${service}.dlq`);
    });

    it('gives the HTTP entry point no dead-letter topic', () => {
      // Act
      const dlqs = TOPICS.filter((t) => t.deadLetter && (t.ownerService as string | undefined) === 'order-api');

      // Assess
      expect(CONSUMER_SERVICES).not.toContain('order-api');
      expect(dlqs).toEqual([]);
    });

    it('has no dead-letter topic that is also a domain topic or is consumed', () => {
      // Prepare
      const domainTopicNames = DOMAINS.map(domainTopic);
      const consumed = SERVICES.flatMap((s) => consumedTopics(s));

      // Act
      const dlqNames = TOPICS.filter((t) => t.deadLetter).map((t) => t.name);

      // Assess
      expect(dlqNames).toHaveLength(CONSUMER_SERVICES.length);
      for (const name of dlqNames) {
        expect(domainTopicNames).not.toContain(name);
        expect(consumed).not.toContain(name);
      }
    });

    it('gives every dead-letter topic an owner and no domain topic one', () => {
      // Assess
      for (const topic of TOPICS) expect(topic.ownerService !== undefined).toBe(topic.deadLetter);
    });
  });

  describe('consumer groups', () => {
    it('uses every consumer group id once across the topology', () => {
      // Act
      const groups = SERVICES.flatMap((s) => consumerGroups(s));

      // Assess
      expect(groups).toHaveLength(subscriptions.length);
      expect(new Set(groups).size).toBe(groups.length);
    });

    it('gives the HTTP entry point no consumer group', () => {
      // Act
      const groups = consumerGroups('order-api');

      // Assess
      expect(groups).toEqual([]);
    });
  });
});
