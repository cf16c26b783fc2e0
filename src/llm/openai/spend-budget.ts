import { BudgetExceededError } from "../../core/index.js";

export type TokenUsage = { promptTokens: number; completionTokens: number };

export type SpendLimits = {
  tokens: number; // prompt + completion tokens, 0 = no limit
  usd: number; // 0 = no limit
  promptUsdPer1k: number;
  completionUsdPer1k: number;
};

/** Held while a request runs; settle it with what the server reports the request used. */
export type Reservation = { settle(actual: TokenUsage | undefined): void };

/**
 * A token budget and a dollar budget shared by every request of one backend. A request reserves its
 * worst case (estimated prompt + maxTokens) before it starts and is refused with BudgetExceededError
 * when that worst case would pass a limit, so concurrent requests cannot overshoot together. When it
 * ends, the reservation is replaced by the usage the server reported.
 */
export type SpendBudget = {
  reserve(worstCase: TokenUsage): Reservation;
  readonly spent: { tokens: number; usd: number };
};

export function createSpendBudget(limits: SpendLimits): SpendBudget {
  const costUsd = (u: TokenUsage) =>
    (u.promptTokens * limits.promptUsdPer1k + u.completionTokens * limits.completionUsdPer1k) / 1000;
  const tokensOf = (u: TokenUsage) => u.promptTokens + u.completionTokens;
  let spentTokens = 0;
  let spentUsd = 0;
  let heldTokens = 0;
  let heldUsd = 0;
  return {
    reserve(worstCase) {
      const tokens = tokensOf(worstCase);
      const usd = costUsd(worstCase);
      if (limits.tokens > 0 && spentTokens + heldTokens + tokens > limits.tokens) {
        throw new BudgetExceededError(
          `token budget spent: ${spentTokens} of ${limits.tokens} tokens used${heldTokens > 0 ? `, ${heldTokens} held by requests in flight` : ""}, and the next request may need ${tokens}`,
          "raise llm.budgetTokens (IDEASTEER_LLM_BUDGET_TOKENS, 0 = no limit) or ask for fewer tokens",
        );
      }
      if (limits.usd > 0 && spentUsd + heldUsd + usd > limits.usd) {
        throw new BudgetExceededError(
          `cost budget spent: $${spentUsd.toFixed(4)} of $${limits.usd} used${heldUsd > 0 ? `, $${heldUsd.toFixed(4)} held by requests in flight` : ""}, and the next request may cost $${usd.toFixed(4)}`,
          "raise llm.budgetUsd (IDEASTEER_LLM_BUDGET_USD, 0 = no limit) or ask for fewer tokens",
        );
      }
      heldTokens += tokens;
      heldUsd += usd;
      let settled = false;
      return {
        settle(actual) {
          if (settled) return;
          settled = true;
          heldTokens -= tokens;
          heldUsd -= usd;
          if (actual) {
            spentTokens += tokensOf(actual);
            spentUsd += costUsd(actual);
          }
        },
      };
    },
    get spent() {
      return { tokens: spentTokens, usd: spentUsd };
    },
  };
}

/**
 * Prompt tokens guessed without the server's tokenizer: about 4 characters per token for English
 * BPE vocabularies, plus a few template tokens per chat message. Only the budget check uses it;
 * what is charged is what the server reports.
 */
export function estimatePromptTokens(input: string | { content: string }[]): number {
  if (typeof input === "string") return Math.ceil(input.length / 4);
  return input.reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 2);
}
