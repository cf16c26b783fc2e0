import { createProgress, type Progress, type ProgressOptions } from "../core/index.js";

/** Starts one bar of a build: each step opens its own and closes it with `done()`. */
export type ProgressBars = (label: string, total: number, unit: string) => Progress;

/** The bars of one build, all on or all off, on one stream (stderr unless given). */
export function progressBars(opts: Pick<ProgressOptions, "enabled" | "stream"> = {}): ProgressBars {
  return (label, total, unit) =>
    createProgress({ label, total, unit, enabled: opts.enabled ?? true, stream: opts.stream });
}
