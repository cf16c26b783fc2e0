import { z } from "zod";

/** The TF-IDF ridge baseline's knobs; the chosen alpha and standardisation are per dimension, on val. */
export const TfidfRewardConfig = z
  .object({
    maxFeatures: z
      .number()
      .int()
      .min(100)
      .max(200_000)
      .default(30_000)
      .describe("vocabulary cap: most frequent terms on train"),
    minDf: z.number().int().min(1).default(3).describe("a term must occur in at least this many training texts"),
    bigrams: z.boolean().default(true).describe("add adjacent content-word bigrams to the unigrams"),
    alphas: z
      .array(z.number().positive())
      .min(1)
      .default([0.3, 1, 3, 10, 30, 100])
      .describe("ridge penalties tried; the best mean within-venue-year Spearman on val wins"),
    standardize: z
      .enum(["select", "on", "off"])
      .default("select")
      .describe("z-score training labels within each venue-year (select: try both, keep the better on val)"),
    auxiliary: z
      .array(z.number().min(0).max(100))
      .min(1)
      .default([0])
      .describe(
        "weights λ of a paper's other-dimension labels in the target (multi-task; 0 = this dimension alone); each is tried",
      ),
    auxiliaryOnly: z
      .array(z.number().min(0).max(100))
      .min(1)
      .default([0])
      .describe("weights ω of papers labelled only on other dimensions (0 = left out); each is tried"),
    minGroupSize: z
      .number()
      .int()
      .min(2)
      .default(20)
      .describe("venue-years with fewer papers are left out of within-venue means"),
    tol: z.number().positive().default(1e-5).describe("conjugate-gradient stop: relative residual"),
    maxIter: z.number().int().positive().default(2000).describe("conjugate-gradient iterations at most"),
  })
  .strict();
export type TfidfRewardConfig = z.infer<typeof TfidfRewardConfig>;
