// Every external call has a time limit (SPEC §4). For calls whose client takes no
// AbortSignal (a connector's send, a driver query, a key-store read), the limit is a race.

/** Settles as `promise` does, or rejects with `onTimeout()` after `ms`; the timer never outlives it. */
export function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
