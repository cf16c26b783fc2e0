import { IdeasteerError } from "../core/index.js";

// implausible: schema-valid, but not about this idea (see answer-sanity.ts)
export const ATTEMPT_FAILURES = ["not-json", "schema", "implausible"] as const;
export type AttemptFailureKind = (typeof ATTEMPT_FAILURES)[number];

/** Why one attempt of a judge sample was not usable; `output` is the model's text, clipped. */
export type AttemptFailure = { attempt: number; kind: AttemptFailureKind; detail: string; output: string };

/** Every attempt of a judge sample failed: no score was produced (never a guessed one). */
export class JudgeOutputError extends IdeasteerError {
  readonly failures: AttemptFailure[];
  constructor(failures: AttemptFailure[]) {
    const last = failures[failures.length - 1];
    super(
      "E_JUDGE_OUTPUT",
      `unusable: the judge model gave no usable answer in ${failures.length} attempt(s), so there is no score` +
        (last ? `; last: ${last.kind}: ${last.detail}` : ""),
      {
        hint: "use a backend with JSON-schema support (llama, or an OpenAI-compatible server with response_format), a larger judge.maxTokens, or more judge.maxAttempts",
      },
    );
    this.failures = failures;
  }
}
