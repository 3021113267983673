/** `order-api` or `payment.orders` → `OrderApi`, `PaymentOrders`: construct ids from topology names. */
export function pascalCase(value: string): string {
  return value
    .split(/[-.]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
