/** `order-api` or `payment.orders` → `OrderApi`, `PaymentOrders`: construct ids from topology names. */
export function pascalCase(value: string): string {
  return value
    .split(/[-.]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** Every stack's name starts with this; a profile's five stacks with `stackPrefix(profile)`. */
export const STACK_NAME_PREFIX = 'OrderPipeline-';

export function stackPrefix(profile: string): string {
  return `${STACK_NAME_PREFIX}${profile}`;
}
