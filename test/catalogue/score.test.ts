import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from '../cli/helpers.js';
import { cleanCsv, HEADER, judge, type Verdict, Workspace } from './helpers.js';

// The bad-input catalogue, part 2: `tensorgrad evaluate` and `predict` with a trained model, on
// files and options a user may bring.
const ws = new Workspace();
let model: string;
let imputed: string;
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

beforeAll(async () => {
  model = ws.path('model');
  imputed = ws.path('model-imputed');
  const base = ['--label', 'bought', '--epochs', '2', '--batch-size', '32', '--quiet', '--no-baselines'];
  await cli('train', '--data', ws.file(cleanCsv()), ...base, '--out', model);
  await cli('train', '--data', ws.file(cleanCsv()), ...base, '--impute', 'mean', '--out', imputed);
}, 120_000);

const clean = cleanCsv(undefined, 60);
const lines = clean.trimEnd().split('\n');
const cell = (row: number, column: string, value: string) =>
  cleanCsv((cells, r) => {
    if (r === row) cells[HEADER.indexOf(column)] = value;
    return cells;
  }, 60);
const without = (name: string) => {
  const k = HEADER.indexOf(name);
  return `${lines
    .map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== k)
        .join(','),
    )
    .join('\n')}\n`;
};
const reordered = () => `${lines.map((l) => l.split(',').reverse().join(',')).join('\n')}\n`;
const withLine = (k: number, line: string) =>
  `${[...lines.slice(0, k), line, ...lines.slice(k + 1)].join('\n')}\n`;

/** The metrics `evaluate --json` prints. */
const metricsOf = (output: string) => JSON.parse(output.slice(output.indexOf('{')));

interface ScoreCase {
  name: string;
  csv?: string | Uint8Array;
  /** Arguments replacing the defaults for the model folder (e.g. a broken one). */
  model?: () => string;
  args?: string[];
  verdict: Verdict;
}

const refused = (...patterns: Array<string | RegExp>): Verdict => ({ error: patterns });

/** A copy of the trained model folder, changed by `edit` (for the broken-model cases). */
function brokenModel(edit: (dir: string) => void): () => string {
  return () => {
    const dir = ws.path(`broken-${Math.random().toString(36).slice(2)}`);
    cpSync(model, dir, { recursive: true });
    edit(dir);
    return dir;
  };
}

const SHARED: ScoreCase[] = [
  {
    name: 'a model folder that does not exist',
    model: () => '/nonexistent/model',
    verdict: refused('/nonexistent/model'),
  },
  {
    name: 'a model folder without model.json',
    model: brokenModel((d) => rmSync(join(d, 'model.json'))),
    verdict: refused('no model.json'),
  },
  {
    name: 'a truncated model.json',
    model: brokenModel((d) =>
      writeFileSync(join(d, 'model.json'), readFileSync(join(d, 'model.json'), 'utf8').slice(0, 200)),
    ),
    verdict: refused('not valid JSON'),
  },
  {
    name: 'a missing weights file',
    model: brokenModel((d) => {
      for (const f of readdirSync(d)) if (f.endsWith('.bin')) rmSync(join(d, f));
    }),
    verdict: refused(/weights file .* is missing/),
  },
  {
    name: 'tampered weights',
    model: brokenModel((d) => {
      const f = readdirSync(d).find((n) => n.endsWith('.bin'))!;
      const b = readFileSync(join(d, f));
      b[10] ^= 0xff;
      writeFileSync(join(d, f), b);
    }),
    verdict: refused(/checksum mismatch/),
  },
  {
    name: 'data missing a feature column',
    csv: without('spend'),
    verdict: refused("missing 1 column the preprocessing was fitted with: 'spend'"),
  },
  { name: 'an empty file', csv: '', verdict: refused('the file is empty') },
  { name: 'a header alone', csv: `${HEADER.join(',')}\n`, verdict: refused('header row but no data rows') },
  {
    name: 'a ragged row',
    csv: withLine(20, '30,100,5,Oslo'),
    verdict: refused(/row 21 has 4 fields, the header has 6/),
  },
  {
    name: 'an unclosed quote',
    csv: withLine(9, '30,100,5,"Oslo,yes,no'),
    verdict: refused(/line 10: a quoted field opened here is never closed/),
  },
  {
    name: 'invalid UTF-8',
    csv: Buffer.concat([
      Buffer.from(lines.slice(0, 5).join('\n')),
      Buffer.from('\n30,100,5,K\xf6ln,yes,no\n', 'latin1'),
    ]),
    verdict: refused(/invalid UTF-8 at byte \d+ \(line 6/, '--encoding latin1'),
  },
  {
    name: 'text in a numeric column',
    csv: cell(12, 'visits', 'many'),
    verdict: refused(/row 14, column 'visits': 'many' is not a number/),
  },
  {
    name: 'a missing value the model cannot fill',
    csv: cell(12, 'age', 'NA'),
    verdict: refused(/row 14, column 'age': missing value \('NA'\); the model was trained without --impute/),
  },
  {
    name: 'a decimal comma the model was not trained with',
    csv: cell(3, 'spend', '"12,5"'),
    verdict: refused(/row 5, column 'spend': '12,5' is not a number.*retrain with --decimal-comma/),
  },
  {
    name: 'a value outside a boolean column’s pair',
    csv: cell(3, 'member', 'maybe'),
    verdict: refused(/row 5, column 'member': 'maybe' is not one of 'yes' \/ 'no'/),
  },
  {
    name: 'a number too large for the features',
    csv: cell(3, 'spend', '1e300'),
    verdict: refused(/row 5, column 'spend': the value 1e300 is too large/),
  },
  {
    name: 'a category unseen in training, with --strict',
    csv: cell(6, 'city', 'Berlin'),
    args: ['--strict'],
    verdict: refused(
      /row 8, column 'city': 'Berlin' was not among the column's values in training \('Lyon', 'Oslo', 'Paris', 'Rome'\)/,
    ),
  },
  {
    name: '--encoding ascii',
    args: ['--encoding', 'ascii'],
    verdict: refused('expected one of utf8, latin1'),
  },
];

const EVALUATE: ScoreCase[] = [
  ...SHARED,
  {
    name: 'the clean data',
    args: ['--json'],
    verdict: {
      accepted: (o) => expect(metricsOf(o).confusion.tp + metricsOf(o).confusion.fn).toBeGreaterThan(0),
    },
  },
  {
    name: 'data without the label column',
    csv: without('bought'),
    verdict: refused("has no label column 'bought'", "use 'predict'"),
  },
  {
    name: 'an unknown label value',
    csv: cell(30, 'bought', 'maybe'),
    verdict: refused(/row 32: label column 'bought' has value 'maybe', expected 'yes', 'no'/),
  },
  {
    name: 'a label in another case',
    csv: cell(30, 'bought', 'YES'),
    args: ['--json'],
    verdict: { accepted: (o) => expect(metricsOf(o).accuracy).toBeGreaterThan(0.5) },
  },
  {
    name: 'a missing label',
    csv: cell(30, 'bought', ''),
    verdict: refused(/row 32: label column 'bought' has value ''/),
  },
  {
    name: '--threshold 2',
    args: ['--threshold', '2'],
    verdict: refused("expected a probability between 0 and 1, got '2'"),
  },
  {
    name: '--threshold -0.1',
    args: ['--threshold', '-0.1'],
    verdict: refused("expected a probability between 0 and 1, got '-0.1'"),
  },
  {
    name: '--threshold abc',
    args: ['--threshold', 'abc'],
    verdict: refused("expected a probability between 0 and 1, got 'abc'"),
  },
  {
    name: '--threshold 0 and 1',
    args: ['--threshold', '1', '--json'],
    verdict: { accepted: (o) => expect(metricsOf(o).threshold).toBe(1) },
  },
  {
    name: 'a category unseen in training',
    csv: cell(6, 'city', 'Berlin'),
    verdict: {
      accepted: (o) =>
        expect(o).toMatch(
          /note: column 'city': 1 row with values not seen in training \('Berlin' first on row 8\)/,
        ),
    },
  },
  {
    name: 'extra columns',
    csv: `${lines.map((l, i) => `${l},${i === 0 ? 'note' : 'x'}`).join('\n')}\n`,
    verdict: { accepted: (o) => expect(o).toMatch(/60 rows/) },
  },
  {
    name: 'columns in another order',
    csv: reordered(),
    verdict: { accepted: (o) => expect(o).toMatch(/60 rows/) },
  },
  {
    name: 'semicolons instead of commas',
    csv: clean.replaceAll(',', ';'),
    verdict: { accepted: (o) => expect(o).toMatch(/60 rows/) },
  },
  {
    name: 'Latin-1 with --encoding latin1',
    csv: Buffer.from(clean, 'latin1'),
    args: ['--encoding', 'latin1'],
    verdict: { accepted: (o) => expect(o).toMatch(/60 rows/) },
  },
];

const PREDICT: ScoreCase[] = [
  ...SHARED,
  { name: 'data without the label column', csv: without('bought'), verdict: { accepted: () => {} } },
  {
    name: 'a blank label column',
    csv: cleanCsv((c) => [...c.slice(0, 5), ''], 60),
    verdict: { accepted: () => {} },
  },
  { name: '--out that is a folder', args: ['--out', '/tmp'], verdict: refused("--out: '/tmp' is a folder") },
  {
    name: '--out in a folder that does not exist',
    args: ['--out', '/nonexistent/out.csv'],
    verdict: refused("--out: the folder '/nonexistent' does not exist"),
  },
  {
    name: '--out under /proc',
    args: ['--out', '/proc/out.csv'],
    verdict: refused("--out: '/proc/out.csv' is under /proc"),
  },
];

function scoreArgs(command: 'evaluate' | 'predict', c: ScoreCase): string[] {
  const data = c.csv !== undefined ? ws.file(c.csv) : ws.file(clean);
  const args = [
    command,
    '--model',
    c.model ? c.model() : model,
    '--data',
    data,
    '--quiet',
    ...(c.args ?? []),
  ];
  if (command === 'predict' && !args.includes('--out'))
    args.push('--out', ws.path(`scored-${Math.random().toString(36).slice(2)}.csv`));
  return args;
}

describe('tensorgrad evaluate: the bad-input catalogue', () => {
  it.each(EVALUATE.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await judge(scoreArgs('evaluate', c), c.verdict);
  });

  it('gives the same metrics whatever the column order or delimiter', async () => {
    const run = async (text: string) =>
      metricsOf(await cli('evaluate', '--model', model, '--data', ws.file(text), '--json', '--quiet'));
    const base = await run(clean);
    expect(await run(reordered())).toEqual(base);
    expect(await run(clean.replaceAll(',', '\t'))).toEqual(base);
  });

  it('fills missing cells when the model was trained with --impute', async () => {
    const o = await cli(
      'evaluate',
      '--model',
      imputed,
      '--data',
      ws.file(cell(12, 'age', 'NA')),
      '--json',
      '--quiet',
    );
    expect(metricsOf(o).accuracy).toBeGreaterThan(0.5);
  });
});

describe('tensorgrad predict: the bad-input catalogue', () => {
  it.each(PREDICT.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await judge(scoreArgs('predict', c), c.verdict);
  });

  it('copies every record as it was, in order, and adds probability and predicted', async () => {
    const quoted = cleanCsv((cells, r) => {
      if (r % 3 === 0) cells[3] = `"${cells[3]}, old town"`;
      return cells;
    }, 60).replaceAll('\n', '\r\n');
    const out = ws.path('verbatim.csv');
    await cli('predict', '--model', model, '--data', ws.file(`\ufeff${quoted}`), '--out', out, '--quiet');
    const input = quoted.trimEnd().split('\r\n');
    const output = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(output).toHaveLength(input.length);
    expect(output[0]).toBe(`${input[0]},probability,predicted`);
    for (let k = 1; k < input.length; k++)
      expect(output[k]).toMatch(
        new RegExp(`^${input[k].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},[01]\\.\\d{6},[01]$`),
      );
  });

  it('writes to standard output when no --out is given', async () => {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      chunks.push(Buffer.from(c).toString('utf8'));
      return true;
    });
    try {
      await cli('predict', '--model', model, '--data', ws.file(clean), '--quiet');
    } finally {
      spy.mockRestore();
    }
    const text = chunks.join('').trimEnd().split('\n');
    expect(text).toHaveLength(61);
    expect(text[0]).toBe(`${HEADER.join(',')},probability,predicted`);
  });

  it('leaves no partial file behind when a row fails halfway', async () => {
    const big = cleanCsv(undefined, 20_000);
    const broken = big.replace(/\n([^\n]*)\n$/, '\n30,100,5,Oslo\n');
    const out = ws.path('partial.csv');
    await judge(['predict', '--model', model, '--data', ws.file(broken), '--out', out, '--quiet'], {
      error: [/row 20001 has 4 fields/],
    });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(ws.dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('keeps Latin-1 bytes as they were', async () => {
    const latin = Buffer.from(
      cleanCsv((c, r) => [...c.slice(0, 3), r % 2 ? 'Oslo' : 'Rome', ...c.slice(4)], 60).replace(
        'Oslo',
        'Oslø',
      ),
      'latin1',
    );
    const out = ws.path('latin.csv');
    await cli(
      'predict',
      '--model',
      model,
      '--data',
      ws.file(latin),
      '--out',
      out,
      '--encoding',
      'latin1',
      '--quiet',
    );
    expect(readFileSync(out).includes(Buffer.from('Osl\xf8', 'latin1'))).toBe(true);
  });
});

describe('the catalogue as a whole', () => {
  it('has at least 40 scoring cases', () => {
    expect(EVALUATE.length + PREDICT.length).toBeGreaterThanOrEqual(40);
  });
});
