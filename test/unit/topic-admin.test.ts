import type { Admin, ITopicConfig, ITopicPartitionConfig } from '../../lambdas/shared/kafka/driver';
import { ensureTopics, type WantedTopic } from '../../lambdas/topic-admin/topics';

type AdminCall =
  | { readonly method: 'listTopics' }
  | { readonly method: 'createTopics'; readonly topics: ITopicConfig[]; readonly waitForLeaders: boolean | undefined }
  | { readonly method: 'fetchTopicMetadata'; readonly topics: string[] | undefined }
  | { readonly method: 'createPartitions'; readonly topicPartitions: ITopicPartitionConfig[] };

/**
 * A hand-written stand-in for the kafkajs admin client: a cluster of topics and partition counts that
 * the four calls ensureTopics makes read and change, with every call recorded.
 */
class FakeAdmin {
  readonly calls: AdminCall[] = [];
  readonly topics: Map<string, number>;

  constructor(topics: Record<string, number>) {
    this.topics = new Map(Object.entries(topics));
  }

  async listTopics(): Promise<string[]> {
    this.calls.push({ method: 'listTopics' });
    return [...this.topics.keys()];
  }

  async createTopics(options: { topics: ITopicConfig[]; waitForLeaders?: boolean }): Promise<boolean> {
    this.calls.push({ method: 'createTopics', topics: options.topics, waitForLeaders: options.waitForLeaders });
    for (const t of options.topics) {
      if (this.topics.has(t.topic)) throw new Error(`Topic with this name already exists: ${t.topic}`);
      this.topics.set(t.topic, t.numPartitions ?? 1);
    }
    return true;
  }

  async fetchTopicMetadata(options?: { topics: string[] }) {
    this.calls.push({ method: 'fetchTopicMetadata', topics: options?.topics });
    const names = options?.topics ?? [...this.topics.keys()];
    return {
      topics: names.map((name) => {
        const count = this.topics.get(name);
        if (count === undefined) throw new Error(`This server does not host this topic-partition: ${name}`);
        return {
          name,
          partitions: Array.from({ length: count }, (_, partitionId) => ({
            partitionErrorCode: 0,
            partitionId,
            leader: partitionId % 3,
            replicas: [0, 1, 2],
            isr: [0, 1, 2],
            offlineReplicas: [],
          })),
        };
      }),
    };
  }

  async createPartitions(options: { topicPartitions: ITopicPartitionConfig[] }): Promise<boolean> {
    this.calls.push({ method: 'createPartitions', topicPartitions: options.topicPartitions });
    for (const { topic, count } of options.topicPartitions) {
      const current = this.topics.get(topic);
      if (current === undefined) throw new Error(`unknown topic ${topic}`);
      if (count <= current) throw new Error(`Topic currently has ${current} partitions, which is higher than ${count}`);
      this.topics.set(topic, count);
    }
    return true;
  }

  asAdmin(): Admin {
    return this as unknown as Admin;
  }

  callsTo<M extends AdminCall['method']>(method: M): Extract<AdminCall, { method: M }>[] {
    return this.calls.filter((c): c is Extract<AdminCall, { method: M }> => c.method === method);
  }
}

const DOMAIN_CONFIGS = { 'retention.ms': '604800000', 'min.insync.replicas': '2', 'cleanup.policy': 'delete' };
const DLQ_CONFIGS = { 'retention.ms': '1209600000', 'min.insync.replicas': '2' };

const WANTED: readonly WantedTopic[] = [
  { name: 'orders.events', partitions: 12, configs: DOMAIN_CONFIGS },
  { name: 'payments.events', partitions: 12, configs: DOMAIN_CONFIGS },
  { name: 'payment.dlq', partitions: 3, configs: DLQ_CONFIGS },
];

describe('Function: ensureTopics', () => {
  describe('on an empty cluster', () => {
    it('creates every wanted topic with its partitions and its configs as config entries', async () => {
      // Prepare
      const admin = new FakeAdmin({});

      // Act
      await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(admin.callsTo('createTopics')).toEqual([
        {
          method: 'createTopics',
          waitForLeaders: true,
          topics: [
            {
              topic: 'orders.events',
              numPartitions: 12,
              configEntries: [
                { name: 'retention.ms', value: '604800000' },
                { name: 'min.insync.replicas', value: '2' },
                { name: 'cleanup.policy', value: 'delete' },
              ],
            },
            {
              topic: 'payments.events',
              numPartitions: 12,
              configEntries: [
                { name: 'retention.ms', value: '604800000' },
                { name: 'min.insync.replicas', value: '2' },
                { name: 'cleanup.policy', value: 'delete' },
              ],
            },
            {
              topic: 'payment.dlq',
              numPartitions: 3,
              configEntries: [
                { name: 'retention.ms', value: '1209600000' },
                { name: 'min.insync.replicas', value: '2' },
              ],
            },
          ],
        },
      ]);
    });

    it('reports every topic as created and none as grown, without reading metadata', async () => {
      // Prepare
      const admin = new FakeAdmin({});

      // Act
      const changes = await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(changes).toEqual({ created: ['orders.events', 'payments.events', 'payment.dlq'], grown: [] });
      expect(admin.callsTo('fetchTopicMetadata')).toEqual([]);
      expect(admin.callsTo('createPartitions')).toEqual([]);
    });

    it('creates a topic without configs with no config entries', async () => {
      // Prepare
      const admin = new FakeAdmin({});

      // Act
      await ensureTopics(admin.asAdmin(), [{ name: 'users.events', partitions: 3, configs: {} }]);

      // Assess
      expect(admin.callsTo('createTopics')[0]?.topics).toEqual([
        { topic: 'users.events', numPartitions: 3, configEntries: [] },
      ]);
    });
  });

  describe('on a cluster that has some of the topics', () => {
    it('creates only the missing topics', async () => {
      // Prepare
      const admin = new FakeAdmin({ 'orders.events': 12, 'payment.dlq': 3 });

      // Act
      const changes = await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(admin.callsTo('createTopics').flatMap((c) => c.topics.map((t) => t.topic))).toEqual(['payments.events']);
      expect(changes).toEqual({ created: ['payments.events'], grown: [] });
      expect(admin.topics.get('payments.events')).toBe(12);
    });

    it('grows only the topics with fewer partitions than wanted, to the wanted count', async () => {
      // Prepare
      const admin = new FakeAdmin({ 'orders.events': 3, 'payments.events': 12, 'payment.dlq': 1 });

      // Act
      const changes = await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(admin.callsTo('createPartitions')).toEqual([
        {
          method: 'createPartitions',
          topicPartitions: [
            { topic: 'orders.events', count: 12 },
            { topic: 'payment.dlq', count: 3 },
          ],
        },
      ]);
      expect(changes).toEqual({ created: [], grown: ['orders.events', 'payment.dlq'] });
      expect(admin.callsTo('createTopics')).toEqual([]);
    });

    it('reads metadata of the wanted topics that exist, and of no other topic', async () => {
      // Prepare
      const admin = new FakeAdmin({ 'orders.events': 12, 'legacy.events': 6, __consumer_offsets: 50 });

      // Act
      await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(admin.callsTo('fetchTopicMetadata')).toEqual([
        { method: 'fetchTopicMetadata', topics: ['orders.events'] },
      ]);
    });

    it('creates and grows in one run, reporting both', async () => {
      // Prepare
      const admin = new FakeAdmin({ 'orders.events': 6 });

      // Act
      const changes = await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(changes).toEqual({ created: ['payments.events', 'payment.dlq'], grown: ['orders.events'] });
      expect(Object.fromEntries(admin.topics)).toEqual({
        'orders.events': 12,
        'payments.events': 12,
        'payment.dlq': 3,
      });
    });
  });

  describe('on a cluster that already matches or exceeds the wanted state', () => {
    it('changes nothing when every topic has its partitions', async () => {
      // Prepare
      const admin = new FakeAdmin({ 'orders.events': 12, 'payments.events': 12, 'payment.dlq': 3 });

      // Act
      const changes = await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(changes).toEqual({ created: [], grown: [] });
      expect(admin.calls.map((c) => c.method)).toEqual(['listTopics', 'fetchTopicMetadata']);
    });

    it('never shrinks a topic that has more partitions than wanted', async () => {
      // Prepare
      const admin = new FakeAdmin({ 'orders.events': 24, 'payments.events': 12, 'payment.dlq': 6 });

      // Act
      const changes = await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(admin.callsTo('createPartitions')).toEqual([]);
      expect(changes).toEqual({ created: [], grown: [] });
      expect(admin.topics.get('orders.events')).toBe(24);
      expect(admin.topics.get('payment.dlq')).toBe(6);
    });

    it('leaves topics it was not asked about alone', async () => {
      // Prepare
      const admin = new FakeAdmin({ 'legacy.events': 1 });

      // Act
      await ensureTopics(admin.asAdmin(), WANTED);

      // Assess
      expect(admin.topics.get('legacy.events')).toBe(1);
      expect(admin.callsTo('createPartitions')).toEqual([]);
      expect(admin.callsTo('createTopics').flatMap((c) => c.topics.map((t) => t.topic))).not.toContain('legacy.events');
    });
  });

  describe('with nothing wanted', () => {
    it('only lists topics and reports no change', async () => {
      // Prepare
      const admin = new FakeAdmin({ 'orders.events': 3 });

      // Act
      const changes = await ensureTopics(admin.asAdmin(), []);

      // Assess
      expect(changes).toEqual({ created: [], grown: [] });
      expect(admin.calls).toEqual([{ method: 'listTopics' }]);
    });
  });

  describe('when the admin client fails', () => {
    it('rejects with the client error', async () => {
      // Prepare
      const admin = new FakeAdmin({});
      admin.createTopics = async () => {
        throw new Error('Not authorized to access topics: [Topic authorization failed]');
      };

      // Act & Assess
      await expect(ensureTopics(admin.asAdmin(), WANTED)).rejects.toThrow('Topic authorization failed');
    });
  });
});
