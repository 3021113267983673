/**
 * The inventory service's Lambda entry. It validates every CloudEvent the inventory subscriptions deliver
 * and reports the invalid ones as partial batch failures; the service's business effects are built
 * on this entry by the domain-services work (see README, "Status").
 */
import { kafkaHandler } from '../shared/kafka/kafka-handler';

export const handler = kafkaHandler('inventory', (logger) => async ({ name, event, record }) => {
  logger.info('event received', {
    type: name,
    eventId: event.id,
    subject: event.subject,
    correlationId: event.correlationid,
    partition: record.itemIdentifier.partition,
    offset: record.offset,
  });
});
