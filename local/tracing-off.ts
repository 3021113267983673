/**
 * Imported first by the local runtime, before any handler module. Locally there is no X-Ray daemon
 * and tracing is off, so the functions do not load Powertools Tracer or the X-Ray SDK at all
 * (lambdas/shared/observability.ts). Should anything load the SDK anyway, manual mode keeps it from
 * starting in automatic mode, whose cls-hooked namespace puts an async hook on every promise (7.6% of
 * the local pipeline's CPU in a profile, in registerDestroyHook alone, when every handler loaded it).
 * A value the user set is kept.
 */
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
