/**
 * Tolerant reading of the JSON object a model was asked for. Models without a grammar wrap it in
 * code fences or prose, leave trailing commas, use single quotes, Python literals or bare keys, and
 * stop mid-object when they run out of tokens. This scanner rewrites such text into strict JSON and
 * says what it changed, so the judge can log repairs and tell the model what was wrong.
 *
 * What it will not do is guess a value: a number, literal or key cut off by the end of the text is
 * dropped together with its member (a truncated "10" would otherwise read as 1), while a truncated
 * string value is kept and closed (a rationale cut short is still a rationale).
 *
 * @example
 * repairJson("Sure! ```json\n{novelty: {'score': 7,},\n```")
 * // { ok: true, value: { novelty: { score: 7 } }, repairs: ["took the code fence", "quoted 1 bare key", ...] }
 */
export type RepairResult =
  | { ok: true; value: unknown; repairs: string[]; truncated: boolean }
  | { ok: false; error: string; repairs: string[] };

type Frame = {
  kind: "object" | "array";
  expect: "key" | "colon" | "value" | "comma";
  safeLen: number; // output length after the last complete member: where a truncated member is cut back to
};

const CLOSE = { object: "}", array: "]" } as const;
const LITERALS: Record<string, string> = {
  true: "true",
  false: "false",
  null: "null",
  True: "true",
  False: "false",
  None: "null",
};
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "/": "/", "\\": "\\" };
const BARE_WORD = /[A-Za-z_$][\w$-]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function repairJson(text: string): RepairResult {
  const fenced: string[] = [];
  const body = unfence(text, fenced);
  // Prose before the object may hold braces of its own ("scores {below}: {...}"): try each "{" in turn.
  let first: RepairResult | null = null;
  for (
    let start = body.indexOf("{"), tries = 0;
    start >= 0 && tries < MAX_STARTS;
    start = body.indexOf("{", start + 1), tries++
  ) {
    const r = scanObject(body, start, [...fenced]);
    if (r.ok) return r;
    first ??= r;
  }
  return first ?? { ok: false, error: "no JSON object in the output", repairs: fenced };
}

const MAX_STARTS = 8;

/** Rewrites the object that opens at body[start] into strict JSON and parses it. */
function scanObject(body: string, start: number, repairs: string[]): RepairResult {
  if (body.slice(0, start).trim() !== "") repairs.push("dropped text before the object");

  const stack: Frame[] = [];
  let out = "";
  let i = start;
  let bareKeys = 0;
  let singleQuoted = 0;
  let trailingCommas = 0;
  let pythonLiterals = 0;
  let done = false;

  const top = (): Frame | undefined => stack[stack.length - 1];
  const valueDone = () => {
    const f = top();
    if (!f) {
      done = true;
      return;
    }
    f.expect = "comma";
    f.safeLen = out.length;
  };

  while (i < body.length && !done) {
    const c = body[i] as string;
    const f = top();
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (f?.expect === "key" || f?.expect === "comma") {
      if (c === CLOSE[f.kind]) {
        out += c;
        stack.pop();
        i++;
        valueDone();
        continue;
      }
      if (c === "]" || c === "}") return { ok: false, error: `unexpected "${c}" at character ${i}`, repairs };
    }
    if (f?.expect === "comma") {
      if (c !== ",") return { ok: false, error: `expected "," or "${CLOSE[f.kind]}" at character ${i}`, repairs };
      // A comma followed only by a closer is a trailing comma: leave it out.
      let j = i + 1;
      while (j < body.length && /\s/.test(body[j] as string)) j++;
      if (body[j] === CLOSE[f.kind]) {
        trailingCommas++;
        i = j;
        continue;
      }
      out += ",";
      f.expect = f.kind === "object" ? "key" : "value";
      i++;
      continue;
    }
    if (f?.expect === "colon") {
      if (c !== ":") return { ok: false, error: `expected ":" at character ${i}`, repairs };
      out += ":";
      f.expect = "value";
      i++;
      continue;
    }
    if (f?.expect === "key") {
      if (c === '"' || c === "'") {
        const s = readString(body, i);
        if (s.quote === "'") singleQuoted++;
        if (!s.closed) break; // a truncated key: the member is dropped below
        out += s.json;
        i = s.end;
      } else {
        BARE_WORD.lastIndex = i;
        const m = BARE_WORD.exec(body);
        if (!m) return { ok: false, error: `expected a key at character ${i}`, repairs };
        if (m.index + m[0].length >= body.length) break; // may be a cut-off key
        out += JSON.stringify(m[0]);
        bareKeys++;
        i += m[0].length;
      }
      f.expect = "colon";
      continue;
    }
    // A value: at the top (the object itself), in an array, or after a key's colon.
    if (c === "{" || c === "[") {
      out += c;
      stack.push({ kind: c === "{" ? "object" : "array", expect: c === "{" ? "key" : "value", safeLen: out.length });
      i++;
      continue;
    }
    if (f?.kind === "array" && c === "]") {
      out += c; // an empty array, or "[1,]" after the trailing comma was skipped
      stack.pop();
      i++;
      valueDone();
      continue;
    }
    if (c === '"' || c === "'") {
      const s = readString(body, i);
      if (s.quote === "'") singleQuoted++;
      out += s.closed ? s.json : `${s.json}"`;
      i = s.end;
      if (!s.closed) {
        repairs.push("closed a string cut off by the end of the output");
        valueDone();
        break;
      }
      valueDone();
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(body);
    if (num) {
      if (num.index + num[0].length >= body.length) break; // a number at the very end may be cut off
      out += num[0];
      i += num[0].length;
      valueDone();
      continue;
    }
    BARE_WORD.lastIndex = i;
    const word = BARE_WORD.exec(body);
    const literal = word ? LITERALS[word[0]] : undefined;
    if (word && literal !== undefined) {
      if (word[0] !== literal) pythonLiterals++;
      out += literal;
      i += word[0].length;
      valueDone();
      continue;
    }
    if (word && word.index + word[0].length >= body.length) break; // "tru" at the end
    return { ok: false, error: `unexpected "${c}" at character ${i}`, repairs };
  }

  if (bareKeys > 0) repairs.push(`quoted ${bareKeys} bare key${bareKeys > 1 ? "s" : ""}`);
  if (singleQuoted > 0) repairs.push(`rewrote ${singleQuoted} single-quoted string${singleQuoted > 1 ? "s" : ""}`);
  if (trailingCommas > 0) repairs.push(`dropped ${trailingCommas} trailing comma${trailingCommas > 1 ? "s" : ""}`);
  if (pythonLiterals > 0) repairs.push(`rewrote ${pythonLiterals} Python literal${pythonLiterals > 1 ? "s" : ""}`);

  const truncated = !done;
  if (truncated) {
    // The text ended inside the object: drop an incomplete member, then close what is open.
    let closed = 0;
    let dropped = false;
    while (stack.length > 0) {
      const f = stack.pop() as Frame;
      if (f.expect !== "comma" && out.length > f.safeLen) {
        out = out.slice(0, f.safeLen);
        dropped = true;
      }
      out += CLOSE[f.kind];
      closed++;
      const parent = top();
      if (parent) {
        parent.expect = "comma";
        parent.safeLen = out.length;
      }
    }
    if (dropped) repairs.push("dropped a member cut off by the end of the output");
    repairs.push(`closed ${closed} bracket${closed > 1 ? "s" : ""} left open by the end of the output`);
  } else if (body.slice(i).trim() !== "") {
    repairs.push("dropped text after the object");
  }
  try {
    return { ok: true, value: JSON.parse(out), repairs, truncated };
  } catch (e) {
    return { ok: false, error: `still not JSON after repair: ${(e as Error).message}`, repairs };
  }
}

/** The inside of the first ``` fence when the output has one (```json or bare). */
function unfence(text: string, repairs: string[]): string {
  const m = /```[a-zA-Z]*[ \t]*\r?\n?([\s\S]*?)(?:```|$)/.exec(text);
  if (!m || !(m[1] ?? "").includes("{")) return text;
  repairs.push("took the code fence");
  return m[1] as string;
}

/**
 * Reads a string literal starting at body[start] (a " or '), returning it re-encoded as a JSON
 * string; `closed` is false when the text ends first (json then lacks its closing quote).
 */
function readString(body: string, start: number): { json: string; end: number; closed: boolean; quote: string } {
  const quote = body[start] as string;
  let raw = "";
  let i = start + 1;
  while (i < body.length) {
    const c = body[i] as string;
    if (c === "\\") {
      const n = body[i + 1];
      if (n === undefined) break;
      if (n === "u") {
        const hex = body.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          if (i + 6 > body.length) break; // a cut-off \u escape
          raw += "u"; // an invalid escape: keep the letter
          i += 2;
          continue;
        }
        raw += String.fromCharCode(Number.parseInt(hex, 16));
        i += 6;
        continue;
      }
      raw += ESCAPES[n] ?? n; // \" and \' give the quote itself; unknown escapes keep the character
      i += 2;
      continue;
    }
    if (c === quote) {
      return { json: JSON.stringify(raw), end: i + 1, closed: true, quote };
    }
    raw += c;
    i++;
  }
  const json = JSON.stringify(raw);
  return { json: json.slice(0, -1), end: body.length, closed: false, quote };
}
