import { z } from "zod";

/** How long a sampled idea may run and what earns a reward: shared by the stages that learn from episodes (RL, decoder). */
export const IDEA_REWARD_FIELDS = {
  maxNewTokens: z
    .number()
    .int()
    .min(8)
    .default(512)
    .describe("idea tokens sampled at most (generate's default: a cut-off idea is out of the layout)"),
  requireLayout: z
    .boolean()
    .default(true)
    .describe("ideas that are not whole in the section-1 layout (strictly or by repair) earn 0 on every dimension"),
};
