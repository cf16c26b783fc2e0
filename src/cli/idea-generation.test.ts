import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { ConfigError, createRng, NotFoundError } from "../core/index.js";
import { loadRewardModel, SHIPPED_TRANSFORMER_RM_DIR, scoreIdeas } from "../reward/index.js";
import { initDecoder, saveBestOfKFit, saveDecoder } from "../steer/index.js";
import { tempDir, writeTinyControllers } from "../testing/index.js";
import { controlHashes, controlOptions, defaultPolicyPath } from "./idea-generation.js";

const score = async (texts: string[]) => texts.map(() => ({ novelty: 0.5, feasibility: 0.5, effectiveness: 0.5 }));
const weights = { novelty: 0.5, feasibility: 0.25, effectiveness: 0.25 };

test("--control: dynamic on a server is best-of-K; static reads the controllers; what cannot run says why", (t) => {
  const dir = tempDir(t);
  const base = { openai: false, bestOf: 3, weights, score };
  assert.deepEqual(controlOptions("none", base), {});
  assert.equal(controlOptions("dynamic", { ...base, openai: true }).bestOfK?.k, 3, "a server takes no control vectors");
  assert.equal(controlOptions("best-of-k", base).bestOfK?.k, 3);
  assert.equal(controlOptions("best-of-k", base).bestOfK?.objective, "weighted", "best-of-K keeps w · r unless asked");
  assert.equal(controlOptions("best-of-k", { ...base, bestOfObjective: "centred" }).bestOfK?.objective, "centred");
  assert.throws(() => controlOptions("static", base), ConfigError, "no controllers anywhere");
  writeTinyControllers(dir);
  const fixed = controlOptions("static", { ...base, controllersDir: dir });
  assert.deepEqual(fixed.steering?.eps, [0.5, 0.25, 0.25]);
  const both = controlOptions("static+best-of-k", { ...base, controllersDir: dir, bestOfObjective: "centred" });
  assert.deepEqual([both.steering?.eps, both.bestOfK?.k, both.bestOfK?.objective], [[0.5, 0.25, 0.25], 3, "centred"]);
  assert.throws(
    () => controlOptions("static+best-of-k", { ...base, controllersDir: dir, openai: true }),
    /static\+best-of-k on a server/,
    "a server takes no control vectors",
  );
  assert.throws(() => controlOptions("dynamic", { ...base, controllersDir: dir }), /needs a sentence-level decoder/);
  assert.deepEqual(controlOptions("auto", { ...base, controllersDir: dir }), {}, "auto: no decoder, no control");
  const rng = createRng(1);
  saveDecoder(join(dir, "controllers", "decoder.json"), initDecoder({ hidden: 4, epsMax: 1, sigma: 0.1, rng }), {});
  assert.ok(controlOptions("auto", { ...base, controllersDir: dir }).dynamic, "auto: controllers and a decoder");
  const decided = controlOptions("dynamic+best-of-k", {
    ...base,
    controllersDir: dir,
    bestOfObjective: "standardised",
  });
  assert.deepEqual(
    [Boolean(decided.dynamic), decided.bestOfK?.k, decided.bestOfK?.objective],
    [true, 3, "standardised"],
  );
  const whitened = { ...base, controllersDir: dir, bestOfObjective: "whitened" as const };
  assert.throws(
    () => controlOptions("dynamic+best-of-k", whitened),
    (e: unknown) =>
      e instanceof ConfigError &&
      /needs best-of-k\.json in /.test(e.message) &&
      /steer fit-selection/.test(e.hint ?? ""),
  );
  const covariance = [
    [0.01, 0.002, 0],
    [0.002, 0.01, 0],
    [0, 0, 0.01],
  ];
  const fit = {
    format: "ideasteer-best-of-k-fit-v1" as const,
    rounds: 9,
    candidates: 36,
    rewardModel: "",
    command: "",
  };
  saveBestOfKFit(join(dir, "controllers", "best-of-k.json"), { ...fit, covariance });
  assert.deepEqual(
    controlOptions("dynamic+best-of-k", whitened).bestOfK?.covariance,
    covariance,
    "the fit beside them",
  );
  // Tracking needs the fit's step too: a fit written before tracking has none, and says what to run.
  const tracking = { ...whitened, bestOfObjective: "tracking" as const };
  assert.throws(
    () => controlOptions("dynamic+best-of-k", tracking),
    (e: unknown) => e instanceof ConfigError && /has no step/.test(e.message) && /fit-selection/.test(e.hint ?? ""),
  );
  saveBestOfKFit(join(dir, "controllers", "best-of-k.json"), { ...fit, covariance, step: 0.2 });
  const tracked = controlOptions("dynamic+best-of-k", tracking).bestOfK;
  assert.deepEqual([tracked?.objective, tracked?.step, tracked?.covariance], ["tracking", 0.2, covariance]);
  assert.match(controlHashes("dynamic+best-of-k", dir, "tracking").bestOfKFit ?? "", /^sha256:[0-9a-f]{16}$/);
  // Anchored selects by its own λ, set from generation probes: a fit without one says so; tracking's is not taken.
  const anchoring = { ...whitened, bestOfObjective: "anchored" as const };
  assert.throws(
    () => controlOptions("dynamic+best-of-k", anchoring),
    (e: unknown) => e instanceof ConfigError && /no anchoredStep/.test(e.message),
  );
  saveBestOfKFit(join(dir, "controllers", "best-of-k.json"), { ...fit, covariance, step: 0.2, anchoredStep: 0.8 });
  const anchored = controlOptions("dynamic+best-of-k", anchoring).bestOfK;
  assert.deepEqual([anchored?.objective, anchored?.step], ["anchored", 0.8]);
  // An idea records what it was selected by: the fit's hash under a fitted objective only.
  assert.match(controlHashes("dynamic+best-of-k", dir, "whitened").bestOfKFit ?? "", /^sha256:[0-9a-f]{16}$/);
  assert.equal(controlHashes("dynamic+best-of-k", dir, "centred").bestOfKFit, undefined);
  assert.equal(controlHashes("dynamic", dir, "whitened").bestOfKFit, undefined);
  assert.throws(
    () => controlOptions("dynamic+best-of-k", { ...base, controllersDir: dir, openai: true }),
    /dynamic\+best-of-k on a server/,
  );
  assert.deepEqual(
    controlOptions("auto", { ...base, controllersDir: dir, openai: true }),
    {},
    "never best-of-K unasked",
  );
  assert.throws(
    () => controlOptions("loud", base),
    (e: unknown) => e instanceof ConfigError && /use auto, none, static, dynamic, best-of-k/.test(e.hint ?? ""),
  );
});

test("dynamic control feeds the decoder the scores of the reward model it was trained against, not the ranking one", async (t) => {
  const dir = tempDir(t);
  writeTinyControllers(dir);
  const rng = createRng(2);
  const decoderPath = join(dir, "controllers", "decoder.json");
  const tfidfDir = join(process.cwd(), "models", "reward-tfidf");
  saveDecoder(decoderPath, initDecoder({ hidden: 4, epsMax: 1, sigma: 0.1, rng }), {
    rewardModel: relative(dirname(decoderPath), tfidfDir),
  });
  let rankingCalls = 0;
  const ranking = async (texts: string[]) => {
    rankingCalls++;
    return score(texts);
  };
  const base = { openai: false, bestOf: 3, weights, score: ranking, controllersDir: dir };
  const texts = ["Title: Sparse attention\nMethod: We prune attention heads of large language models."];
  const fed = await controlOptions("dynamic", base).dynamic?.score(texts);
  assert.deepEqual(fed, await scoreIdeas(texts, { model: loadRewardModel(tfidfDir) }));
  assert.equal(rankingCalls, 0, "the ranking reward model is not the decoder's input");
  // A decoder file that names no reward model was trained on the default: the shipped transformer.
  saveDecoder(decoderPath, initDecoder({ hidden: 4, epsMax: 1, sigma: 0.1, rng }), {});
  const byDefault = await controlOptions("dynamic", base).dynamic?.score(texts);
  assert.deepEqual(byDefault, await scoreIdeas(texts, { model: loadRewardModel(SHIPPED_TRANSFORMER_RM_DIR) }));
  // Best-of-K selects by the ranking model.
  await controlOptions("best-of-k", base).bestOfK?.score(texts);
  assert.equal(rankingCalls, 1);
});

test("the default policy: the home's RL policy, then the home's SFT policy, then the shipped RL policy, then SFT", (t) => {
  const dir = tempDir(t);
  const put = (path: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "");
    return path;
  };
  const shippedRl = join(dir, "shipped", "policy-rl", "model.gguf");
  const shippedSft = put(join(dir, "shipped", "policy", "model.gguf"));
  const home = join(dir, "home");
  assert.throws(() => defaultPolicyPath(home, [shippedRl]), NotFoundError, "nothing anywhere");
  assert.equal(defaultPolicyPath(home, [shippedRl, shippedSft]), shippedSft, "only the shipped SFT policy");
  put(shippedRl);
  assert.equal(defaultPolicyPath(home, [shippedRl, shippedSft]), shippedRl, "the shipped RL policy before SFT");
  const homeSft = put(join(home, "models", "policy", "model.gguf"));
  assert.equal(defaultPolicyPath(home, [shippedRl, shippedSft]), homeSft, "the user's own policy first");
  const homeRl = put(join(home, "models", "policy-rl", "model.gguf"));
  assert.equal(defaultPolicyPath(home, [shippedRl, shippedSft]), homeRl, "the user's RL policy before their SFT one");
});
