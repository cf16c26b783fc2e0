/**
 * An AbortSignal that fires on SIGINT or SIGTERM, for a trainer to stop after its current step with a
 * checkpoint. While it is armed the process does not die on those signals; `dispose()` restores the defaults.
 * Meant for entry points (the CLI); library code takes the signal as an option.
 */
export function abortOnSignals(signals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"]): {
  signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const abort = (sig: NodeJS.Signals) => controller.abort(new Error(`received ${sig}`));
  for (const s of signals) process.on(s, abort);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of signals) process.off(s, abort);
    },
  };
}
