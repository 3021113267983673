/**
 * A kafkajs client whose consumers a test can give up on exactly as kafkajs does after an error it
 * deems final (kafkajs 2.2.4 src/consumer/index.js `onCrash`): the consumer is disconnected, then
 * its CRASH listeners are told, with `restart: false`. Everything else is the real client.
 */
import type { Consumer, ConsumerCrashEvent, Kafka as KafkaClient } from '../../lambdas/shared/kafka/driver';

/** A kafkajs client whose consumers can be given up on as kafkajs itself does after a final error. */
export function givingUpKafka(real: KafkaClient) {
  const consumers: { consumer: Consumer; crashListeners: ((event: ConsumerCrashEvent) => void)[] }[] = [];
  const client = {
    consumer: (config: Parameters<KafkaClient['consumer']>[0]) => {
      const consumer = real.consumer(config);
      const entry = { consumer, crashListeners: [] as ((event: ConsumerCrashEvent) => void)[] };
      consumers.push(entry);
      const on = consumer.on.bind(consumer) as (event: string, listener: (event: never) => void) => () => void;
      // Every listener still goes to the real consumer; CRASH listeners are also kept for the test.
      Object.assign(consumer, {
        on: (event: string, listener: (event: never) => void) => {
          if (event === consumer.events.CRASH) entry.crashListeners.push(listener as (e: ConsumerCrashEvent) => void);
          return on(event, listener);
        },
      });
      return consumer;
    },
    producer: real.producer.bind(real),
  } as unknown as KafkaClient;

  /** What kafkajs's onCrash does when it will not restart: disconnect, then CRASH with restart false. */
  async function giveUp(index: number): Promise<void> {
    const entry = consumers[index];
    if (!entry) throw new Error(`no consumer ${index}`);
    await entry.consumer.disconnect();
    const error = Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSNonRetriableError' });
    for (const listener of entry.crashListeners) {
      listener({
        id: '0',
        type: 'consumer.crash',
        timestamp: Date.now(),
        payload: { error, groupId: 'ignored', restart: false },
      });
    }
  }

  return { client, consumers, giveUp };
}
