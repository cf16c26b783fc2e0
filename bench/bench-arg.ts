/**
 * `--name value` from the bench script's command line, or `dflt` when the flag is absent. Benches
 * are run by hand with a few numeric knobs; a full option parser would be more than they need.
 * @example const nPapers = Number(benchArg("papers", "300"));
 */
export function benchArg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
