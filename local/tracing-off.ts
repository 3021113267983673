/**
 * Imported first by the local runtime, before any handler module: locally there is no X-Ray daemon
 * and tracing is off, yet the X-Ray SDK under Powertools Tracer would still start in automatic mode,
 * whose cls-hooked namespace puts an async hook on every promise (7.6% of the local pipeline's CPU
 * in a profile, in registerDestroyHook alone). Manual mode creates no namespace. A value the user set
 * is kept.
 */
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
