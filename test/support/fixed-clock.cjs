// Preloaded (node --require) to run a process at one instant: `new Date()` and `Date.now()` answer
// FIXED_CLOCK (an ISO date), so two signers can be compared byte for byte (test/infra/bundles.test.ts).
const fixed = Date.parse(process.env.FIXED_CLOCK ?? '');
if (Number.isNaN(fixed)) throw new Error('fixed-clock.cjs needs FIXED_CLOCK, an ISO 8601 date');
const RealDate = Date;
globalThis.Date = class FixedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(fixed);
    else super(...args);
  }
  static now() {
    return fixed;
  }
};
