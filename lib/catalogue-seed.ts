/**
 * The sample catalogue: SKU-001 to SKU-010 with 1,000 units each, and SKU-SOLDOUT with none. The
 * local runtime always seeds it; on AWS a profile's `seedCatalogue` decides. Plain data, no CDK.
 */
export const CATALOGUE_CURRENCY = 'GBP';

export interface SeedProduct {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly available: number;
}

export const SEED_CATALOGUE: readonly SeedProduct[] = [
  ...Array.from({ length: 10 }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return {
      sku: `SKU-${n}`,
      name: `Product ${n}`,
      priceCents: 999 + i * 500,
      currency: CATALOGUE_CURRENCY,
      available: 1_000,
    };
  }),
  { sku: 'SKU-SOLDOUT', name: 'Sold-out product', priceCents: 4_999, currency: CATALOGUE_CURRENCY, available: 0 },
];

export function productKey(sku: string): { pk: string; sk: string } {
  return { pk: `SKU#${sku}`, sk: 'PRODUCT' };
}
