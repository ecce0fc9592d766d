// The lease on a real Redis: one holder at a time, renewal and release only by the holder's
// token, and "Redis cannot be asked" told apart from "someone else holds it".
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_TEST_URL } from '../../test/helpers/postgres.ts';
import { RedisLease } from './lease.ts';

describe('RedisLease', () => {
  const redis = new Redis(REDIS_TEST_URL);
  const other = new Redis(REDIS_TEST_URL);
  afterAll(() => {
    redis.disconnect();
    other.disconnect();
  });

  it('has one holder; the others are told it is held elsewhere until it is released', async () => {
    const name = `test:lease:${randomUUID()}`;
    const a = new RedisLease(redis, name, 5_000);
    const b = new RedisLease(other, name, 5_000);
    expect(await a.acquire()).toBe('held');
    expect(await b.acquire()).toBe('elsewhere');
    expect([a.held(), b.held()]).toEqual([true, false]);
    expect(await a.extend()).toBe(true);
    await a.release();
    expect(await b.acquire()).toBe('held');
    await b.release();
  });

  it('a holder whose lease ran out can neither renew nor release its successor’s', async () => {
    const name = `test:lease:${randomUUID()}`;
    const late = new RedisLease(redis, name, 100);
    const next = new RedisLease(other, name, 5_000);
    expect(await late.acquire()).toBe('held');
    await expect.poll(() => redis.exists(name), { timeout: 2_000, interval: 20 }).toBe(0);
    expect(await next.acquire()).toBe('held');
    expect(await late.extend()).toBe(false);
    expect(late.held()).toBe(false);
    await late.release();
    expect(await redis.pttl(name)).toBeGreaterThan(4_000);
    await next.release();
    expect(await redis.exists(name)).toBe(0);
  });

  it('says unavailable when Redis cannot be asked', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    const lease = new RedisLease(down, 'test:lease:down', 1_000);
    expect(await lease.acquire()).toBe('unavailable');
    expect(await lease.extend()).toBe(false);
    down.disconnect();
  });
});
