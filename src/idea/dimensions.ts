/** The three dimensions an idea is scored on (DESIGN §1); one list drives types, metric keys and tables. */
export const DIMENSIONS = ["novelty", "feasibility", "effectiveness"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** One score per dimension, each in [0, 1], higher is better. */
export type Scores = Record<Dimension, number>;
