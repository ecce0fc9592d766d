// A Map that keeps at most `max` entries, dropping the least recently used: the one bounded
// cache of the code base (verified tokens, live actors, remembered sends, handled messages).
// A Map iterates in insertion order, so re-inserting on every use keeps the oldest first.
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    readonly max: number,
    /** Called with each entry dropped to make room (not on delete or clear). */
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    if (!(max >= 1)) throw new RangeError(`an LruMap holds at least 1 entry (max ${max})`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key)!;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) {
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.entries.delete(oldestKey);
      this.onEvict?.(oldestKey, oldest);
    }
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }

  clear(): void {
    this.entries.clear();
  }
}
