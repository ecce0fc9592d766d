import { describe, expect, it } from 'vitest';
import { LruMap } from './lru-map.ts';

describe('LruMap', () => {
  it('drops the least recently used entry past its bound, telling who was dropped', () => {
    const dropped: string[] = [];
    const map = new LruMap<string, number>(2, (key) => dropped.push(key));
    map.set('a', 1).set('b', 2);
    expect(map.get('a')).toBe(1); // a is now the most recent
    map.set('c', 3);
    expect(dropped).toEqual(['b']);
    expect([map.has('a'), map.has('b'), map.has('c'), map.size]).toEqual([true, false, true, 2]);
  });
  it('re-setting a key refreshes it without dropping anything; delete is not an eviction', () => {
    const dropped: string[] = [];
    const map = new LruMap<string, number>(2, (key) => dropped.push(key));
    map.set('a', 1).set('b', 2).set('a', 10).set('c', 3);
    expect(dropped).toEqual(['b']);
    expect(map.get('a')).toBe(10);
    map.delete('a');
    expect(dropped).toEqual(['b']);
    expect(() => new LruMap(0)).toThrow(RangeError);
  });
});
