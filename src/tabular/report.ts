import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { saveModel } from '../io/save.js';
import { lineChartSvg } from '../report/chart.js';
import type { TaskReport } from './tasks.js';
import type { PartSummary, TabularRun } from './train.js';

// `+ 0` turns -0 into 0, so a zero never prints as -0.0000.
const fixed = (v: number) => (v + 0).toFixed(4).replace(/^-(0\.0+)$/, '$1');
const opt = (v: number | null) => (v === null ? '   n/a' : v.toFixed(4));

type Binary = Extract<TaskReport, { task: 'binary' }>;
type Multiclass = Extract<TaskReport, { task: 'multiclass' }>;

/** One row of the test table: the model's name and its figures. */
function row(name: string, r: TaskReport): string {
  const head = name.padEnd(34);
  if (r.task === 'binary') {
    return `${head} ${fixed(r.accuracy)}    ${fixed(r.precision)}    ${fixed(r.recall)}  ${fixed(r.f1)}  ${opt(r.rocAuc)}   ${opt(r.prAuc)}`;
  }
  if (r.task === 'multiclass') {
    return `${head} ${fixed(r.accuracy)}    ${fixed(r.macroF1)}    ${fixed(r.weightedF1)}       ${fixed(r.logLoss)}`;
  }
  return `${head} ${number(r.rmse).padStart(10)}  ${number(r.mae).padStart(10)}  ${fixed(r.r2)}`;
}

const COLUMNS = {
  binary: 'accuracy  precision  recall  F1      ROC-AUC  PR-AUC',
  multiclass: 'accuracy  macro F1  weighted F1  log loss',
  regression: '      RMSE         MAE  R²',
};

/** A number with 4 significant digits, in a form a person reads (no exponent for ordinary sizes). */
function number(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

function partsLine(run: TabularRun): string {
  const { parts } = run;
  const label = run.dataset.preprocessor.label!;
  const share = (p: PartSummary) => {
    if (p.positives !== undefined) {
      return `${p.rows} rows, ${p.positives} positive (${((100 * p.positives) / Math.max(1, p.rows)).toFixed(1)} %)`;
    }
    return `${p.rows} rows`;
  };
  const line = `train: ${share(parts.train)}; validation: ${share(parts.validation)}; test: ${share(parts.test)}`;
  if (label.task === 'multiclass') {
    const counts = parts.train.classes!;
    return `${line}\nclasses in the training rows: ${label.classes.map((c, k) => `${c} ${counts[k]}`).join(', ')}`;
  }
  if (label.task === 'regression') {
    return `${line}\ntarget '${label.column}' in the training rows: mean ${number(label.mean)}, standard deviation ${number(label.std)}`;
  }
  return line;
}

function confusionLines(r: Binary | Multiclass, classes: readonly string[]): string[] {
  if (r.task === 'binary') {
    const c = r.confusion;
    return [
      'confusion matrix of the network on test rows:',
      '                 predicted no   predicted yes',
      `  actual no      ${String(c.tn).padStart(12)}   ${String(c.fp).padStart(13)}`,
      `  actual yes     ${String(c.fn).padStart(12)}   ${String(c.tp).padStart(13)}`,
    ];
  }
  const width = Math.max(8, ...classes.map((c) => c.length + 2));
  const cells = (values: ReadonlyArray<string | number>) =>
    values.map((v) => String(v).padStart(width)).join('');
  return [
    'confusion matrix of the network on test rows (rows: actual, columns: predicted):',
    `${''.padEnd(width)}${cells(classes)}`,
    ...r.confusion.map((counts, k) => `${classes[k].padStart(width)}${cells(counts)}`),
    '',
    `per class on test rows   ${'precision'.padStart(10)}${'recall'.padStart(10)}${'F1'.padStart(10)}${'rows'.padStart(8)}`,
    ...r.perClass.map(
      (c) =>
        `  ${c.name.padEnd(22)} ${fixed(c.precision).padStart(10)}${fixed(c.recall).padStart(10)}${fixed(c.f1).padStart(10)}${String(c.support).padStart(8)}`,
    ),
  ];
}

function epochsLine(run: TabularRun): string {
  const { maxEpochs, patience } = run.settings;
  const members = run.members.length;
  const ensemble =
    members > 1
      ? `; an average of ${members} networks from seeds ${run.settings.seed} + 1000 k, epochs ${run.members.map((m) => m.epochs).join(', ')}`
      : '';
  if (run.bestEpoch === null) return `epochs: ${run.epochsRun}${ensemble}`;
  const stopped =
    run.epochsRun < maxEpochs
      ? `stopped after ${patience} without a better validation loss`
      : 'no stop before the last';
  return `epochs: ${run.epochsRun} of at most ${maxEpochs} (${stopped}; kept the weights of epoch ${run.bestEpoch}, the best)${ensemble}`;
}

/** The metrics a person reads after training: the network next to the baselines, on test rows. */
export function formatReport(run: TabularRun): string {
  const { test } = run;
  const label = run.dataset.preprocessor.label!;
  const lines = [partsLine(run), `features after encoding: ${run.dataset.features}`];
  if (run.threshold !== null) {
    lines[1] += `; threshold chosen on validation rows (max F1): ${run.threshold.toFixed(3)}`;
  }
  lines.push(epochsLine(run));
  const name = run.threshold !== null ? `network (threshold ${run.threshold.toFixed(3)})` : 'network';
  lines.push('', `${'test rows'.padEnd(34)} ${COLUMNS[test.task]}`, row(name, test));
  for (const b of run.baselines ?? []) {
    const t =
      b.report.task === 'binary' && b.key === 'logisticRegression'
        ? ` (thr. ${b.report.threshold.toFixed(3)})`
        : '';
    lines.push(row(`${b.name}${t}`, b.report));
  }
  if (test.task !== 'regression') {
    lines.push('', ...confusionLines(test, label.task === 'multiclass' ? label.classes : ['no', 'yes']));
  }
  return lines.join('\n');
}

/** A report as metrics.json holds it. */
function metricsOf(r: TaskReport) {
  return { ...r };
}

/** What metrics.json holds. */
export function runMetrics(run: TabularRun, source: { data: string; label: string }) {
  return {
    task: run.task,
    test: metricsOf(run.test),
    validation: metricsOf(run.validation),
    baselines: run.baselines && Object.fromEntries(run.baselines.map((b) => [b.key, metricsOf(b.report)])),
    threshold: run.threshold,
    epochs: { run: run.epochsRun, best: run.bestEpoch, max: run.settings.maxEpochs, members: run.members },
    data: { ...source, features: run.dataset.features, ...run.parts },
    settings: run.settings,
    history: run.history,
    seconds: run.seconds,
  };
}

const LOSS_TITLE = {
  binary: 'Binary cross-entropy',
  multiclass: 'Categorical cross-entropy',
  regression: 'Mean squared error (standardized target)',
};

/**
 * Writes a run folder: the model with its preprocessing and threshold (model.json + weights),
 * metrics.json, and loss.svg (training and validation loss per epoch).
 */
export async function writeRun(
  dir: string,
  run: TabularRun,
  source: { data: string; label: string },
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  saveModel(dir, run.model, {
    preprocessing: run.dataset.preprocessor.toJSON(),
    metadata: {
      threshold: run.threshold,
      label: source.label,
      trainedOn: source.data,
      settings: run.settings,
    },
  });
  const metricsPath = join(dir, 'metrics.json');
  writeFileAtomic(metricsPath, `${JSON.stringify(runMetrics(run, source), null, 2)}\n`);
  const epochs = (run.history.loss ?? []).map((_, i) => i + 1);
  const series = ['loss', 'val_loss']
    .filter((k) => run.history[k])
    .map((k) => ({
      name: k === 'loss' ? 'training' : 'validation',
      points: epochs.map((e) => ({ x: e, y: run.history[k][e - 1] })),
    }));
  const chartPath = join(dir, 'loss.svg');
  const svg = await lineChartSvg({
    title: `${LOSS_TITLE[run.task]} per epoch`,
    xLabel: 'epoch',
    yLabel: 'loss',
    series,
  });
  writeFileSync(chartPath, svg);
  return [join(dir, 'model.json'), metricsPath, chartPath];
}
