/**
 * One generation at a time on a local model: it has one context, and a request's control vector must not reach
 * another request's tokens (setting the vector, generating and clearing it happen inside one turn). Every route
 * that generates with the model takes its turns from the same `Turns`.
 */
export type Turns = {
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** A generator's whole iteration as one turn: it ends when the generator finishes or is dropped. */
  iterate<T>(events: () => AsyncIterable<T>): AsyncGenerator<T>;
};

export function createTurns(): Turns {
  let tail = Promise.resolve();
  const take = () => {
    let release = () => {};
    const before = tail;
    tail = new Promise<void>((r) => {
      release = r;
    });
    return { ready: before, release };
  };
  return {
    async run(fn) {
      const turn = take();
      try {
        await turn.ready;
        return await fn();
      } finally {
        turn.release();
      }
    },
    async *iterate(events) {
      const turn = take();
      try {
        await turn.ready;
        yield* events();
      } finally {
        turn.release();
      }
    },
  };
}
