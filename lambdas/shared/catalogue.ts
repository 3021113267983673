/**
 * The product catalogue, kept in the inventory table next to the stock it prices, so the price the
 * order API charges and the stock inventory reserves are one item. Items:
 *
 *   pk = "SKU#<sku>", sk = "PRODUCT": sku, name, priceCents, currency, available
 *
 * `available` never goes below zero (conditional updates). While an order's stock is being taken or
 * given back, the item also carries that order's step in flight (`take#<orderId>`, `give#<orderId>`:
 * lambdas/inventory/reservation.ts), and nothing else: its size does not grow with the orders sold.
 */
import { productKey, SEED_CATALOGUE } from '../../lib/catalogue-seed';
import { batchGetItems } from './db/batch-get';
import { type ItemClient, isConditionalCheckFailed } from './db/item-client';

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly available: number;
}

/** The attributes of a product the catalogue answers with; inventory's steps in flight are not among them. */
export const PRODUCT_ATTRIBUTES = [
  'sku',
  'name',
  'priceCents',
  'currency',
  'available',
] as const satisfies readonly (keyof Product)[];

export { productKey, SEED_CATALOGUE };

/** Writes the seed products that are missing; existing stock is left as it is. */
export async function seedCatalogue(
  items: ItemClient,
  tableName: string,
  products: readonly Product[] = SEED_CATALOGUE,
): Promise<number> {
  let written = 0;
  for (const product of products) {
    try {
      await items.put({
        TableName: tableName,
        Item: { ...productKey(product.sku), ...product },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      written++;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
  return written;
}

/** Reads products by SKU, catalogue attributes only (unknown SKUs are simply absent from the result). */
export async function getProducts(
  items: ItemClient,
  tableName: string,
  skus: readonly string[],
): Promise<Map<string, Product>> {
  const keys = [...new Set(skus)].map(productKey);
  const found = await batchGetItems(items, tableName, keys, { attributes: PRODUCT_ATTRIBUTES });
  return new Map(found.map((item) => [item.sku as string, item as unknown as Product]));
}
