/** The DynamoDB client as the functions with a table build it (aws-clients.ts itemClient). */
import { itemClient } from '../../lambdas/shared/aws-clients';

const items = itemClient();

export const handler = async () => typeof items.get;
