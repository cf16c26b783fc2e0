/**
 * Runs `job`, yielding the events it emits while it runs, in order, then returns its result: how an async
 * generator streams what happens inside an awaited call (sentences while an idea is written).
 */
export async function* drain<E, T>(job: (emit: (e: E) => void) => Promise<T>): AsyncGenerator<E, T> {
  const queue: E[] = [];
  let wake: (() => void) | null = null;
  const state: { outcome: { ok: true; value: T } | { ok: false; error: unknown } | null } = { outcome: null };
  const ping = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  job((e) => {
    queue.push(e);
    ping();
  }).then(
    (value) => {
      state.outcome = { ok: true, value };
      ping();
    },
    (error: unknown) => {
      state.outcome = { ok: false, error };
      ping();
    },
  );
  for (;;) {
    while (queue.length > 0) yield queue.shift() as E;
    const o = state.outcome;
    if (o) {
      if (!o.ok) throw o.error;
      return o.value;
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (queue.length > 0 || state.outcome) ping(); // something arrived between the check and the wait
    });
  }
}

/**
 * Cuts streamed text into sentences as they complete (an end of sentence followed by whitespace, or a line end):
 * `push` each chunk; `onSentence` gets the sentence and the whole text up to it; `end` flushes the last one.
 */
export function sentenceWatcher(onSentence: (sentence: string, prefix: string) => void) {
  let text = "";
  let from = 0;
  const boundary = /[.!?](?=\s)|\n/g;
  const scan = () => {
    boundary.lastIndex = from;
    for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
      const end = m.index + 1;
      const sentence = text.slice(from, end).trim();
      from = end;
      if (sentence) onSentence(sentence, text.slice(0, end));
    }
  };
  return {
    push(chunk: string) {
      text += chunk;
      scan();
    },
    end() {
      const rest = text.slice(from).trim();
      if (rest) onSentence(rest, text);
      from = text.length;
    },
  };
}
