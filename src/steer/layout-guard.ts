import type { ControlVector, LocalModel } from "../llm/index.js";

/** A line whose label ("Title:", "Method:", "- Baseline Implementation:") is still being written: no ':' yet. */
export const writingLabel = (text: string): boolean => !text.slice(text.lastIndexOf("\n") + 1).includes(":");

/** The vector a token is read under after `text`: none while a line's label is being written. */
export const layoutVector = (vector: ControlVector | null, text: string): ControlVector | null =>
  vector && !writingLabel(text) ? vector : null;

/**
 * Controllers steer what an idea says, not its layout: while a line's label is being written the control vector is
 * off, and it is back on from the label's ':' (steered labels were the commonest way a steered idea lost its
 * layout). `steer` sets the vector in use, `sync` is called with the text before every token, `end` clears.
 */
export function createLayoutGuard(model: Pick<LocalModel, "setControlVector" | "clearControlVector">) {
  let vector: ControlVector | null = null;
  let applied: ControlVector | null = null;
  const sync = (text: string) => {
    const want = layoutVector(vector, text);
    if (want === applied) return;
    if (want) model.setControlVector(want, 1);
    else model.clearControlVector();
    applied = want;
  };
  return {
    steer(v: ControlVector, text: string) {
      vector = v;
      sync(text);
    },
    sync,
    end() {
      model.clearControlVector();
      vector = applied = null;
    },
  };
}
