// Test support only: helpers for the suite and the benches. No production module imports this folder
// (scripts/check-doors.ts enforces it), and the package does not ship it.

export { correlatedRounds, ROUND_SD, ROUND_SIGMA } from "./best-of-k-rounds.js";
export { artifactsDir, launchChromium } from "./browser.js";
export { type CliChild, type CliResult, runCliAsync, startCli } from "./cli-child.js";
export { type Fault, type FaultProxy, startFaultProxy } from "./fault-proxy.js";
export { extractLlamaCppFiles } from "./llama-cpp-source.js";
export { obedientBackend, scriptedBackend } from "./obedient-backend.js";
export { interruptPretrain, type PretrainChild } from "./pretrain-child.js";
export {
  type RandomLlamaModel,
  randomLlamaWeights,
  tinyLlamaConfig,
  writeRandomLlamaModel,
} from "./random-llama-model.js";
export {
  type ReferenceForward,
  type ReferenceLora,
  type ReferenceOptions,
  referenceForward,
  referenceLogits,
} from "./reference-forward.js";
export { resumeVersusWhole } from "./resume-check.js";
export { runCli } from "./run-cli.js";
export { attachReferences, type CitingRecord, openSampleLibrary, readCitingRecord } from "./sample-library.js";
export { type ServeChild, startServeChild } from "./serve-child.js";
export {
  type FixturePair,
  SAMPLE_IDEA_TEXT,
  SAMPLE_PAPER,
  topicPairs,
  writeSftDataset,
  writeTinyBaseModel,
} from "./sft-fixture.js";
export { hasSharedData, requireSharedData, SHARED_DATA, sharedPath } from "./shared-data.js";
export { type ReceivedEmail, type SinkAnswer, type SmtpSink, startSmtpSink } from "./smtp-sink.js";
export { tempDir } from "./temp-dir.js";
export { startTestServer } from "./test-server.js";
export { openTinyLlama } from "./tiny-llama.js";
export { writeTinyControllers, writeTinyPolicy } from "./tiny-policy.js";
