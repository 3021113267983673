/**
 * The product catalogue, kept in the inventory table next to the stock it prices, so the price the
 * order API charges and the stock inventory reserves are one item. Items:
 *
 *   pk = "SKU#<sku>", sk = "PRODUCT": sku, name, priceCents, currency, available, holds
 *
 * `available` never goes below zero (conditional updates); `holds` maps an orderId to the quantity
 * that order holds, so available + sum(holds) is the stock the product was seeded with.
 */
import { BatchGetCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { productKey, SEED_CATALOGUE } from '../../lib/catalogue-seed';

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly available: number;
  readonly holds: Readonly<Record<string, number>>;
}

export { productKey, SEED_CATALOGUE };

/** Writes the seed products that are missing; existing stock is left as it is. */
export async function seedCatalogue(
  documents: DynamoDBDocumentClient,
  tableName: string,
  products: readonly Omit<Product, 'holds'>[] = SEED_CATALOGUE,
): Promise<number> {
  let written = 0;
  for (const product of products) {
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...productKey(product.sku), ...product, holds: {} },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      written++;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
  return written;
}

/** Reads products by SKU (unknown SKUs are simply absent from the result). */
export async function getProducts(
  documents: DynamoDBDocumentClient,
  tableName: string,
  skus: readonly string[],
): Promise<Map<string, Product>> {
  const found = new Map<string, Product>();
  let keys = [...new Set(skus)].map(productKey);
  // BatchGet takes 100 keys; an order has at most 50 lines. Unprocessed keys are asked again.
  for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
    const response = await documents.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys } } }));
    for (const item of response.Responses?.[tableName] ?? []) found.set(item.sku as string, item as Product);
    keys = (response.UnprocessedKeys?.[tableName]?.Keys ?? []) as { pk: string; sk: string }[];
  }
  if (keys.length > 0) throw new Error(`catalogue lookup left ${keys.length} keys unprocessed`);
  return found;
}
