import { ConfigError } from "../core/index.js";
import { EQUAL_WEIGHTS, type Scores, weightsFrom } from "../idea/index.js";

/** --weights "n,f,e" -> weights on the simplex; none given: equal. */
export function parseWeightsFlag(text: string | undefined): Scores {
  if (text === undefined) return EQUAL_WEIGHTS;
  const w = weightsFrom(text);
  if (!w)
    throw new ConfigError(
      `--weights ${text}`,
      "give three non-negative numbers, not all 0: novelty,feasibility,effectiveness",
    );
  return w;
}
