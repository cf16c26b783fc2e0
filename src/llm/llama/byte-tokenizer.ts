import type { GgufTokenizer } from "../../engine/index.js";

/** ChatML, the template Qwen2 ships; node-llama-cpp recognises it and llama.cpp's EOG detection knows <|im_end|>. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** GPT-2's byte -> printable character table (bytes that are already printable map to themselves). */
export function gpt2ByteChars(): string[] {
  const chars: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    chars[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return chars;
}

/**
 * The smallest tokenizer llama.cpp accepts that still round-trips any text: byte-level BPE with the
 * 256 byte tokens and no merges, plus ChatML's control tokens. Test models use it so their vocab
 * (and so the output layer) stays tiny.
 */
export function byteLevelTokenizer(): GgufTokenizer {
  const specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
  const tokens = [...gpt2ByteChars(), ...specials];
  return {
    model: "gpt2",
    pre: "gpt-2",
    tokens,
    tokenTypes: tokens.map((_, i) => (i < 256 ? 1 : 3)),
    merges: [],
    eosId: 256 + specials.indexOf("<|im_end|>"),
    padId: 256 + specials.indexOf("<|endoftext|>"),
    addBos: false,
    chatTemplate: CHATML_TEMPLATE,
  };
}
