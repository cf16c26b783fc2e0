import assert from "node:assert/strict";
import { test } from "node:test";
import { BudgetExceededError } from "../../core/index.js";
import { createSpendBudget, estimatePromptTokens } from "./spend-budget.js";

test("the token budget refuses a request whose worst case would pass the limit, counting requests in flight", () => {
  const b = createSpendBudget({ tokens: 100, usd: 0, promptUsdPer1k: 0, completionUsdPer1k: 0 });
  const first = b.reserve({ promptTokens: 10, completionTokens: 40 });
  const second = b.reserve({ promptTokens: 10, completionTokens: 40 }); // 100 held: exactly the limit
  assert.throws(() => b.reserve({ promptTokens: 1, completionTokens: 0 }), BudgetExceededError);
  first.settle({ promptTokens: 10, completionTokens: 5 }); // used less than reserved: room comes back
  second.settle(undefined); // failed request: nothing charged
  assert.deepEqual(b.spent, { tokens: 15, usd: 0 });
  b.reserve({ promptTokens: 10, completionTokens: 75 }).settle({ promptTokens: 10, completionTokens: 75 });
  assert.equal(b.spent.tokens, 100);
  assert.throws(
    () => b.reserve({ promptTokens: 1, completionTokens: 0 }),
    (e: unknown) =>
      e instanceof BudgetExceededError && /100 of 100 tokens/.test(e.message) && /budgetTokens/.test(e.hint ?? ""),
  );
});

test("the cost budget prices prompt and completion tokens per 1k and stops before the limit is passed", () => {
  const b = createSpendBudget({ tokens: 0, usd: 0.01, promptUsdPer1k: 0.5, completionUsdPer1k: 1.5 });
  const r = b.reserve({ promptTokens: 4, completionTokens: 4 }); // 0.002 + 0.006
  r.settle({ promptTokens: 4, completionTokens: 4 });
  r.settle({ promptTokens: 1000, completionTokens: 1000 }); // settling twice charges once
  assert.ok(Math.abs(b.spent.usd - 0.008) < 1e-12);
  assert.throws(() => b.reserve({ promptTokens: 2, completionTokens: 1 }), /cost budget spent/); // +0.0025 > 0.01
  b.reserve({ promptTokens: 1, completionTokens: 1 }); // +0.002 = 0.01 fits exactly
});

test("estimatePromptTokens: ~4 characters a token, plus template tokens per chat message", () => {
  assert.equal(estimatePromptTokens("abcdefgh"), 2);
  assert.equal(estimatePromptTokens([{ content: "abcd" }, { content: "" }]), 2 + 5 + 4);
});
