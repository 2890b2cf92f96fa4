import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsToCsv, syntheticSessions } from '../../src/data/sessions.js';
import { cli } from './helpers.js';

// Event logs through the command line: one row per event, rows in any order, one example per
// session; the sequence model next to the aggregate baseline; evaluate and predict per session.
const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fast = ['--epochs', '3', '--quiet', '--seed', '5', '--units', '16'];
const sessions = syntheticSessions(500, { seed: 11 });
const shuffled = join(dir, 'shuffled.csv');
const inTime = join(dir, 'time.csv');
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** The shuffled log's lines with a change to some cells: (cells, header) => cells. */
function edited(name: string, edit: (cells: string[], header: string[], row: number) => string[]): string {
  const [head, ...rows] = readFileSync(shuffled, 'utf8').trimEnd().split('\n');
  const header = head.split(',');
  const lines = rows.map((l, r) => edit(l.split(','), header, r).join(','));
  return write(name, `${edit(header, header, -1).join(',')}\n${lines.join('\n')}\n`);
}
const args = (data: string, ...more: string[]) => [
  'train',
  '--data',
  data,
  '--sequence-by',
  'session_id',
  '--order-by',
  'timestamp',
  '--label',
  'purchased',
  ...fast,
  ...more,
];

beforeAll(() => {
  writeFileSync(shuffled, sessionsToCsv(sessions, { order: 'shuffled', seed: 2 }));
  writeFileSync(inTime, sessionsToCsv(sessions, { order: 'time' }));
});

describe('train on an event log', () => {
  const run = join(dir, 'run');
  let printed = '';
  it('groups, orders and trains; prints both models and what order added', async () => {
    printed = await cli(...args(shuffled, '--out', run));
    const events = sessions.reduce((t, s) => t + s.events.length, 0);
    expect(printed).toContain(`${events} events in 500 sessions`);
    expect(printed).toMatch(/task: binary, 'purchased' = 'yes' is positive/);
    expect(printed).toMatch(/note: sessions have \d+ events \(median\)/);
    expect(printed).toMatch(/network: GRU\(16\) over the last \d+ events of each session/);
    expect(printed).toMatch(/test sessions\s+accuracy/);
    expect(printed).toMatch(/dense network on aggregates\s+0\.\d{4}/);
    expect(printed).toMatch(
      /order of events: test ROC-AUC 0\.\d{4} \(sequence model\) vs 0\.\d{4} \(aggregates\)/,
    );
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    expect(metrics.data.unit).toBe('sessions');
    expect(metrics.data.train.rows + metrics.data.validation.rows + metrics.data.test.rows).toBe(500);
    expect(Object.keys(metrics.baselines)).toEqual(['aggregates', 'alwaysNegative']);
  });

  it('gives the same result whatever the order of the rows', async () => {
    const again = await cli(...args(inTime));
    const figures = (text: string) =>
      text.split('\n').filter((l) => /^(network|dense|test sessions)/.test(l));
    expect(figures(again)).toEqual(figures(printed));
  });

  it('evaluates and predicts one row per session', async () => {
    const evaluated = JSON.parse(
      await cli('evaluate', '--model', run, '--data', inTime, '--json', '--quiet'),
    );
    expect(evaluated.task).toBe('binary');
    const c = evaluated.confusion;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(500);
    const out = join(dir, 'scored.csv');
    const said = await cli('predict', '--model', run, '--data', shuffled, '--out', out, '--quiet');
    expect(said).toMatch(/wrote 500 predictions, one per session of \d+ events/);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('session_id,events,probability,predicted');
    expect(lines).toHaveLength(501);
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    expect(ids).toEqual(sessions.map((s) => s.id).sort());
    const first = lines[1].split(',');
    expect(Number(first[1])).toBe(sessions.find((s) => s.id === first[0])!.events.length);
    expect(Number(first[2])).toBeGreaterThanOrEqual(0);
    expect(Number(first[2])).toBeLessThanOrEqual(1);
  });

  it('counts values unseen in training, and refuses them with --strict', async () => {
    const odd = edited('odd.csv', (cells, header, r) => {
      const k = header.indexOf('event');
      return r >= 0 && r % 50 === 0 ? cells.map((v, i) => (i === k ? 'wishlist' : v)) : cells;
    });
    const out = join(dir, 'odd-scored.csv');
    const said = await cli('predict', '--model', run, '--data', odd, '--out', out, '--quiet');
    expect(said).toMatch(/note: column 'event': \d+ events with values not seen in training .*'wishlist'/);
    await expect(cli('predict', '--model', run, '--data', odd, '--strict', '--quiet')).rejects.toThrow(
      /column 'event': \d+ events with values the model does not know \('wishlist'\)/,
    );
  });

  it('trains the other sequence models', async () => {
    for (const model of ['lstm', 'conv1d']) {
      const printedOther = await cli(...args(shuffled, '--model', model, '--epochs', '1'));
      expect(printedOther).toMatch(new RegExp(`network: ${model.toUpperCase()}\\(16\\)`));
    }
  });
});

describe('multi-class and regression labels of sessions', () => {
  it('a device per session is a multi-class label', async () => {
    const printed = await cli(
      ...args(shuffled, '--epochs', '1').map((a) => (a === 'purchased' ? 'device' : a)),
    );
    expect(printed).toMatch(/task: multiclass, 3 classes of 'device'/);
    expect(printed).toMatch(/majority class/);
  });

  it('a number per session is a regression label', async () => {
    const basket = new Map(
      sessions.map((s) => [s.id, s.events.filter((e) => e.type === 'add_to_cart').length * 1.5]),
    );
    const path = edited('basket.csv', (cells, header, r) => {
      const k = header.indexOf('purchased');
      if (r < 0) return cells.map((v, i) => (i === k ? 'basket' : v));
      return cells.map((v, i) => (i === k ? String(basket.get(cells[0])) : v));
    });
    const printed = await cli(...args(path, '--epochs', '1').map((a) => (a === 'purchased' ? 'basket' : a)));
    expect(printed).toMatch(/task: regression on 'basket'/);
    expect(printed).toMatch(/order of events: test R²/);
  });
});

describe('event logs that are wrong, in words of the command line', () => {
  it('a label that changes within a session names the session and both values', async () => {
    const path = edited('flip.csv', (cells, header, r) => {
      const k = header.indexOf('purchased');
      const s = sessions.find((x) => x.id === cells[0] && x.events.length > 1);
      return r >= 0 && s && cells[0] === sessions.find((x) => x.events.length > 1)!.id && r % 2 === 0
        ? cells.map((v, i) => (i === k ? (v === 'yes' ? 'no' : 'yes') : v))
        : cells;
    });
    await expect(cli(...args(path))).rejects.toThrow(
      /session 's\d+' has two values of the label 'purchased': '(yes|no)' \(data row \d+\) and '(yes|no)' \(data row \d+\); the label must be the same on every event of a session/,
    );
  });

  it('an order column that is not a time', async () => {
    const path = edited('badtime.csv', (cells, header, r) => {
      const k = header.indexOf('timestamp');
      return r === 7 ? cells.map((v, i) => (i === k ? 'yesterday' : v)) : cells;
    });
    await expect(cli(...args(path))).rejects.toThrow(
      /data row 8: the order column 'timestamp' has 'yesterday', neither a number nor a date and time/,
    );
  });

  it('a column of numbers with a few words in it', async () => {
    const path = edited('napricey.csv', (cells, header, r) => {
      const k = header.indexOf('dwell_seconds');
      return r === 9 ? cells.map((v, i) => (i === k ? 'n.a.' : v)) : cells;
    });
    await expect(cli(...args(path))).rejects.toThrow(
      /column 'dwell_seconds' holds numbers, but 0\.\d+ % of its \d+ values are not \(\d+ are\): 'n\.a\.' \(first on data row 10\); .*pass --categorical dwell_seconds/,
    );
  });

  it('a missing session id', async () => {
    const path = edited('noid.csv', (cells, _h, r) => (r === 3 ? ['', ...cells.slice(1)] : cells));
    await expect(cli(...args(path))).rejects.toThrow(/data row 4: the session column 'session_id' is empty/);
  });

  it('misspelt columns get a suggestion; flags that need each other say so', async () => {
    await expect(cli(...args(shuffled).map((a) => (a === 'session_id' ? 'sesion_id' : a)))).rejects.toThrow(
      /--sequence-by column 'sesion_id' not found; .*did you mean 'session_id'/,
    );
    await expect(
      cli('train', '--data', shuffled, '--sequence-by', 'session_id', '--label', 'purchased', '--quiet'),
    ).rejects.toThrow(/--sequence-by needs --order-by/);
    await expect(
      cli('train', '--data', shuffled, '--order-by', 'timestamp', '--label', 'purchased', '--quiet'),
    ).rejects.toThrow(/--order-by is for event logs and needs --sequence-by/);
    await expect(cli(...args(shuffled, '--hidden', '32'))).rejects.toThrow(
      /--hidden .* does not apply to event logs/,
    );
    await expect(cli(...args(shuffled).map((a) => (a === 'timestamp' ? 'session_id' : a)))).rejects.toThrow(
      /column 'session_id' is named twice/,
    );
  });

  it('a table model refuses nothing new, and an event model refuses a table', async () => {
    await expect(
      cli('evaluate', '--model', join(dir, 'run'), '--data', 'data/iris.csv', '--quiet'),
    ).rejects.toThrow(/--sequence-by column|session column/);
  });
});
