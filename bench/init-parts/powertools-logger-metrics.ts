/** Powertools Logger and Metrics as every function builds them (observability.ts instrumentsFor). */
import { instrumentsFor } from '../../lambdas/shared/observability';

const instruments = instrumentsFor('payment');

export const handler = async () => typeof instruments.logger.info;
