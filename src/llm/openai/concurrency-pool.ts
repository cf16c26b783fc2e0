/**
 * At most `limit` tasks run at once; the rest wait in FIFO order. One pool per backend, so every
 * request that backend sends (chat, completions, embeddings) shares the bound.
 */
export type ConcurrencyPool = {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly inFlight: number;
  readonly waiting: number;
};

export function createConcurrencyPool(limit: number): ConcurrencyPool {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a positive integer, got ${limit}`);
  let inFlight = 0;
  const queue: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (inFlight < limit) {
      inFlight++;
      return Promise.resolve();
    }
    // The slot passes straight from the finishing task to the waiter, so inFlight never dips below.
    return new Promise((resolve) => queue.push(resolve));
  };
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else inFlight--;
  };
  return {
    async run(task) {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return queue.length;
    },
  };
}
