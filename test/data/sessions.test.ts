import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import * as data from '../../src/data/index.js';
import {
  CHECKOUT_EXPIRES_SECONDS,
  SESSION_AGGREGATE_COLUMNS,
  SESSION_COLUMNS,
  SESSION_EVENTS,
  type SessionEventType,
  sessionAggregates,
  sessionPurchaseRule,
  sessionRows,
  sessionSequences,
  sessionsToCsv,
  syntheticSessions,
  writeSessionsCsv,
} from '../../src/data/sessions.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Events one minute apart (or at the given minutes). */
const seq = (types: SessionEventType[], minutes?: number[]) =>
  types.map((type, i) => ({ type, time: (minutes?.[i] ?? i) * 60_000 }));

describe('sessionPurchaseRule: the order decides, not the counts', () => {
  it('a payment goes through after a checkout with no cart change in between (R1)', () => {
    expect(sessionPurchaseRule(seq(['browse', 'add_to_cart', 'checkout', 'pay']))).toBe(true);
    // The same events in another order: paid before checking out.
    expect(sessionPurchaseRule(seq(['browse', 'add_to_cart', 'pay', 'checkout']))).toBe(false);
    expect(sessionPurchaseRule(seq(['add_to_cart', 'checkout', 'add_to_cart', 'pay']))).toBe(false);
    expect(sessionPurchaseRule(seq(['add_to_cart', 'add_to_cart', 'checkout', 'pay']))).toBe(true);
    expect(sessionPurchaseRule(seq(['add_to_cart', 'checkout', 'remove_from_cart', 'pay']))).toBe(false);
    expect(sessionPurchaseRule(seq(['add_to_cart', 'remove_from_cart', 'checkout', 'pay']))).toBe(true);
    // Looking around between checkout and payment is fine; changing the cart is not.
    expect(sessionPurchaseRule(seq(['add_to_cart', 'checkout', 'view_cart', 'browse', 'pay']))).toBe(true);
    // A declined payment, then checkout again and pay: bought.
    expect(
      sessionPurchaseRule(seq(['add_to_cart', 'checkout', 'add_to_cart', 'pay', 'checkout', 'pay'])),
    ).toBe(true);
    expect(sessionPurchaseRule(seq(['browse', 'search', 'add_to_cart']))).toBe(false);
  });

  it('a checkout expires after 15 minutes (R2)', () => {
    const limit = CHECKOUT_EXPIRES_SECONDS / 60;
    expect(sessionPurchaseRule(seq(['add_to_cart', 'checkout', 'pay'], [0, 1, 1 + limit]))).toBe(true);
    expect(sessionPurchaseRule(seq(['add_to_cart', 'checkout', 'pay'], [0, 1, 1.02 + limit]))).toBe(false);
  });
});

describe('syntheticSessions', () => {
  const sessions = syntheticSessions(3000, { seed: 11, labelNoise: 0 });

  it('is deterministic for a seed and exported from the data namespace', () => {
    expect(data.syntheticSessions(40, { seed: 3 })).toEqual(syntheticSessions(40, { seed: 3 }));
    expect(syntheticSessions(40, { seed: 4 })).not.toEqual(syntheticSessions(40, { seed: 3 }));
  });

  it('follows the shop: cart-only events need a cart, paying needs a checkout, time moves forward', () => {
    for (const s of sessions) {
      let cart = 0;
      let checkedOut = false;
      let checkout = -1;
      let time = -Infinity;
      expect(['browse', 'search']).toContain(s.events[0].type);
      for (const e of s.events) {
        expect(e.time).toBeGreaterThan(time);
        time = e.time;
        if (['remove_from_cart', 'view_cart', 'checkout', 'pay'].includes(e.type))
          expect(cart).toBeGreaterThan(0);
        if (e.type === 'pay') expect(checkedOut).toBe(true);
        if (e.type === 'add_to_cart') cart++;
        if (e.type === 'remove_from_cart') cart--;
        if (e.type === 'add_to_cart' || e.type === 'remove_from_cart') checkout = -1;
        if (e.type === 'checkout') [checkedOut, checkout] = [true, e.time];
        if (e.type === 'pay') {
          // An accepted payment empties the cart (R1, R2 on this payment alone).
          if (checkout >= 0 && e.time - checkout <= CHECKOUT_EXPIRES_SECONDS * 1000) cart = 0;
          checkout = -1;
        }
        expect(e.dwellSeconds).toBeGreaterThanOrEqual(1);
        expect(e.category === null).toBe(
          !['browse', 'search', 'add_to_cart', 'remove_from_cart'].includes(e.type),
        );
        expect(e.price === null).toBe(!['browse', 'add_to_cart', 'remove_from_cart'].includes(e.type));
      }
    }
  });

  it('labels by the rule (labelNoise flips about that share)', () => {
    for (const s of sessions) expect(s.purchased).toBe(sessionPurchaseRule(s.events));
    const noisy = syntheticSessions(3000, { seed: 11, labelNoise: 0.1 });
    const flipped = noisy.filter((s) => s.purchased !== sessionPurchaseRule(s.events)).length / 3000;
    expect(flipped).toBeGreaterThan(0.07);
    expect(flipped).toBeLessThan(0.13);
  });

  it('is neither all buyers nor none: about 30 % buy, and about 55 % try to pay', () => {
    const bought = sessions.filter((s) => s.purchased).length / sessions.length;
    const tried = sessions.filter((s) => s.events.some((e) => e.type === 'pay')).length / sessions.length;
    expect(bought).toBeGreaterThan(0.2);
    expect(bought).toBeLessThan(0.4);
    expect(tried).toBeGreaterThan(0.45);
    expect(tried).toBeLessThan(0.65);
  });

  it('has sessions with equal counts of every event type and different labels (order alone decides)', () => {
    const byCounts = new Map<string, Set<boolean>>();
    const { x } = sessionAggregates(sessions);
    const W = SESSION_AGGREGATE_COLUMNS.length;
    sessions.forEach((s, b) => {
      const key = Array.from(x.subarray(b * W, b * W + SESSION_EVENTS.length)).join(',');
      if (!byCounts.has(key)) byCounts.set(key, new Set());
      byCounts.get(key)?.add(s.purchased);
    });
    const mixed = [...byCounts.values()].filter((labels) => labels.size === 2).length;
    expect(mixed).toBeGreaterThan(50);
  });

  it('refuses bad options, naming them', () => {
    expect(() => syntheticSessions(0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => syntheticSessions(5, { labelNoise: 0.7 })).toThrow(
      /labelNoise must be in \[0, 0.5\], got 0.7/,
    );
    expect(() => syntheticSessions(5, { maxEvents: 0 })).toThrow(
      /maxEvents must be a positive integer, got 0/,
    );
    expect(() => syntheticSessions(5, { sead: 3 } as never)).toThrow(
      /unknown option 'sead'.*did you mean 'seed'/,
    );
  });
});

describe('event log rows and CSV', () => {
  const sessions = syntheticSessions(200, { seed: 5 });
  const events = sessions.reduce((n, s) => n + s.events.length, 0);

  it('one row per event with the documented columns; cells that do not apply are empty', () => {
    const t = parseCsv(sessionsToCsv(sessions));
    expect(t.header).toEqual([...SESSION_COLUMNS]);
    expect(t.rows).toHaveLength(events);
    const checkout = t.rows.find((r) => r[2] === 'checkout');
    expect(checkout?.[3]).toBe('');
    expect(checkout?.[4]).toBe('');
    // The label is constant within a session.
    const labels = new Map<string, string>();
    for (const r of t.rows) {
      expect(labels.get(r[0]) ?? r[7]).toBe(r[7]);
      labels.set(r[0], r[7]);
    }
    expect(labels.size).toBe(200);
  });

  it("'time' interleaves sessions in time order; 'session' groups them; 'shuffled' is any order", () => {
    const byTime = sessionRows(sessions, { order: 'time' });
    const stamps = byTime.map((r) => r[1]);
    expect([...stamps].sort()).toEqual(stamps);
    // Interleaved: a session's rows are not all together.
    expect(
      byTime
        .slice(0, 30)
        .map((r) => r[0])
        .some((id, i, ids) => i > 1 && id === ids[i - 2] && id !== ids[i - 1]),
    ).toBe(true);
    const grouped = sessionRows(sessions, { order: 'session' });
    expect(grouped.map((r) => r[0])).toEqual(sessions.flatMap((s) => s.events.map(() => s.id)));
    const shuffled = sessionRows(sessions, { order: 'shuffled', seed: 2 });
    expect(shuffled).not.toEqual(byTime);
    expect([...shuffled].sort()).toEqual([...byTime].sort());
    expect(() => sessionRows(sessions, { order: 'random' as never })).toThrow(
      /order must be one of time, session, shuffled, got 'random'/,
    );
  });

  it('writeSessionsCsv streams the same log to a file, in time order', async () => {
    const path = join(dir, 'events.csv');
    const counts = await writeSessionsCsv(path, 200, { seed: 5 });
    expect(counts).toEqual({ sessions: 200, events, purchased: sessions.filter((s) => s.purchased).length });
    const written = parseCsv(readFileSync(path, 'utf8'));
    expect(written.header).toEqual([...SESSION_COLUMNS]);
    const stamps = written.rows.map((r) => r[1]);
    expect([...stamps].sort()).toEqual(stamps);
    expect([...written.rows].sort()).toEqual([...parseCsv(sessionsToCsv(sessions)).rows].sort());
    await expect(writeSessionsCsv(join(dir, 'no', 'such', 'dir.csv'), 5)).rejects.toThrow(
      /writeSessionsCsv: cannot write .*dir.csv: ENOENT/,
    );
  });
});

describe('arrays for models', () => {
  const sessions = syntheticSessions(50, { seed: 8 });

  it('sessionSequences keeps the last events, padding (0) before them', () => {
    const L = 6;
    const s = sessionSequences(sessions, L);
    sessions.forEach((session, b) => {
      const kept = session.events.slice(-L);
      const row = Array.from(s.events.subarray(b * L, (b + 1) * L));
      expect(row.slice(L - kept.length)).toEqual(kept.map((e) => 1 + SESSION_EVENTS.indexOf(e.type)));
      expect(row.slice(0, L - kept.length).every((v) => v === 0)).toBe(true);
      expect(s.labels[b]).toBe(session.purchased ? 1 : 0);
    });
    expect(() => sessionSequences(sessions, 0)).toThrow(/maxLength must be a positive integer/);
  });

  it('sessionAggregates: counts, sums and means, the same for any order of the events', () => {
    const { x, columns } = sessionAggregates(sessions);
    expect(columns).toEqual([...SESSION_AGGREGATE_COLUMNS]);
    const reversed = sessions.map((s) => ({ ...s, events: [...s.events].reverse() }));
    expect(sessionAggregates(reversed).x).toEqual(x);
    const W = columns.length;
    expect(x[columns.indexOf('events')]).toBe(sessions[0].events.length);
    expect(x.subarray(0, SESSION_EVENTS.length).reduce((a, b) => a + b, 0)).toBe(sessions[0].events.length);
    expect(x.length).toBe(50 * W);
  });
});
