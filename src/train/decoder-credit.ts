/**
 * Credit for the decoder's decisions (DESIGN §4; sentence-level credit as MA-RLHF's macro actions: one sentence is
 * one action). The reward model's score of the idea so far is a value estimate of the state the sentence starts in,
 *   V(s_0) = mean_group R  (the empty prefix, shared by the group),   V(s_i) = u · r(prefix_i),   V(s_T) = R,
 * with u the objective's weights (w, or w − w̄), and decision i is credited with GAE over sentences:
 *   δ_j = V(s_{j+1}) − V(s_j),   A_i = Σ_{j ≥ i} λ^{j−i} δ_j.
 * λ = 1 gives A_i = R − V(s_i): the idea's reward less what the prefix already scored, unbiased (V(s_i) does not
 * depend on decision i). λ = 0 credits each sentence with its own score change only. "idea" credit gives every
 * decision A = R − mean_group R, whatever came before it.
 */
export type DecoderCredit = "idea" | "sentence";

/**
 * The advantages of one idea's decisions. `values[i]` is u · r of the prefix decision i read (values[0], the empty
 * prefix, is not used: the group's mean reward stands for it).
 */
export function decisionAdvantages(
  credit: DecoderCredit,
  o: { values: readonly number[]; reward: number; groupMean: number; lambda: number },
): number[] {
  const n = o.values.length;
  if (credit === "idea") return Array.from({ length: n }, () => o.reward - o.groupMean);
  const v = (i: number) => (i === 0 ? o.groupMean : i === n ? o.reward : (o.values[i] as number));
  const advantages = new Array<number>(n);
  let running = 0;
  for (let i = n - 1; i >= 0; i--) {
    running = v(i + 1) - v(i) + o.lambda * running;
    advantages[i] = running;
  }
  return advantages;
}
