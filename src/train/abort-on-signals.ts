/**
 * An AbortSignal that fires on SIGINT or SIGTERM, for a trainer to stop after its current step with a
 * checkpoint. While it is armed the first signal does not kill the process; a second one does (the default
 * action, for a step that takes too long to wait for). `dispose()` restores the defaults. Meant for entry points
 * (the CLI); library code takes the signal as an option.
 */
export function abortOnSignals(signals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"]): {
  signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const dispose = () => {
    for (const s of signals) process.off(s, onSignal);
  };
  function onSignal(sig: NodeJS.Signals) {
    if (!controller.signal.aborted) return controller.abort(new Error(`received ${sig}`));
    dispose();
    process.kill(process.pid, sig);
  }
  for (const s of signals) process.on(s, onSignal);
  return { signal: controller.signal, dispose };
}
