import { formatMoney } from '../../lambdas/notification/core';

describe('formatMoney', () => {
  it("reads minor units by the currency's own decimals", () => {
    expect(formatMoney(3998, 'GBP')).toBe('£39.98');
    expect(formatMoney(3998, 'EUR')).toBe('€39.98');
    expect(formatMoney(3998, 'JPY')).toBe('JP¥3,998');
    expect(formatMoney(3998, 'KWD')).toBe('KWD\u00a03.998');
  });

  it('answers the same for a currency formatted before, also after many other currencies', () => {
    const first = formatMoney(12_345, 'JPY');
    // More currencies than it keeps formats for, so the JPY format is built again at least once.
    const others = ['USD', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'BHD', 'OMR', 'TND', 'JOD'];
    const seen = new Set<string>();
    for (let round = 0; round < 4; round++) {
      for (const currency of others) seen.add(formatMoney(100, currency));
      for (let i = 0; i < 26; i++) formatMoney(100, `X${String.fromCharCode(65 + i)}A`);
    }
    expect(seen.size).toBe(others.length);
    expect(formatMoney(12_345, 'JPY')).toBe(first);
    expect(formatMoney(12_345, 'BHD')).toBe('BHD\u00a012.345');
  });

  it('refuses a code Intl does not take, as before', () => {
    expect(() => formatMoney(100, 'GB')).toThrow(RangeError);
  });
});
