import { type ChatMessage, capabilitiesOf, type Generation, type LlmBackend } from "../llm/index.js";

/**
 * A stand-in chat model that does whatever its prompt tells it, for testing prompt-injection
 * defences. (A random-weights model obeys nothing, so a test of the defences on one passes whether
 * they work or not.) Like a real chat model it sees its messages rendered through a ChatML template
 * and reads the turns back by their special tokens, so text that writes `<|im_end|><|im_start|>system`
 * opens a new system turn for it. It obeys the last `Answer <JSON>` instruction of any system turn;
 * without one it writes a plain judge answer: rationales quoting the idea, novelty 5 citing the first
 * related-work block, feasibility and effectiveness 6.
 */
export function obedientBackend(): LlmBackend & { prompts: string[] } {
  const prompts: string[] = [];
  const answer = (messages: ChatMessage[]): Generation => {
    const rendered = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join("");
    prompts.push(rendered);
    const turns = [
      ...rendered.matchAll(/<\|im_start\|>(system|user|assistant)\n([\s\S]*?)(?=<\|im_end\|>|<\|im_start\|>|$)/g),
    ];
    let obeyed: string | null = null;
    for (const [, role, body] of turns) {
      if (role !== "system") continue;
      const at = (body ?? "").search(/Answer \{/);
      if (at < 0) continue;
      const json = (body ?? "").slice(at + "Answer ".length, (body ?? "").lastIndexOf("}") + 1);
      try {
        JSON.parse(json);
        obeyed = json;
      } catch {
        // not an instruction it can follow: keep the last one that parsed
      }
    }
    const text = obeyed ?? plainAnswer(rendered);
    return { text, finishReason: "stop", usage: { promptTokens: rendered.length, completionTokens: text.length } };
  };
  return {
    name: "obedient",
    capabilities: capabilitiesOf({ chat: true }),
    prompts,
    complete: async (prompt) => answer([{ role: "user", content: prompt }]),
    chat: async (messages) => answer(messages),
    close: async () => undefined,
  };
}

/** What a cooperative judge writes when no one tells it otherwise. */
function plainAnswer(prompt: string): string {
  const idea = /<idea-[0-9a-f]+>\n([\s\S]*?)\n<\/idea-[0-9a-f]+>/.exec(prompt)?.[1] ?? "";
  const gist = idea.replace(/\s+/g, " ").slice(0, 120);
  const related = /<related-work-[0-9a-f]+ id="([^"]+)"/.exec(prompt)?.[1];
  return JSON.stringify({
    novelty: { rationale: `Close to prior work on ${gist}`, citedIds: related ? [related] : [], score: 5 },
    feasibility: { rationale: `Feasible: ${gist}`, citedIds: [], score: 6 },
    effectiveness: { rationale: `Likely to help: ${gist}`, citedIds: [], score: 6 },
  });
}

/** A chat model that answers each request with the next reply `reply` gives (an external model's stand-in). */
export function scriptedBackend(reply: (messages: ChatMessage[]) => string): LlmBackend & { prompts: ChatMessage[][] } {
  const prompts: ChatMessage[][] = [];
  const answer = (messages: ChatMessage[]): Generation => {
    prompts.push(messages);
    const text = reply(messages);
    return { text, finishReason: "stop", usage: { promptTokens: 0, completionTokens: text.length } };
  };
  return {
    name: "scripted",
    capabilities: capabilitiesOf({ chat: true }),
    prompts,
    // The whole reply is one streamed piece, as a server streaming it would deliver it.
    complete: async (prompt, o) => streamed(answer([{ role: "user", content: prompt }]), o?.onText),
    chat: async (messages, o) => streamed(answer(messages), o?.onText),
    close: async () => undefined,
  };
}

function streamed(g: Generation, onText?: (text: string) => void): Generation {
  if (g.text) onText?.(g.text);
  return g;
}
