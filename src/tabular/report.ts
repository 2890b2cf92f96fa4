import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { saveModel } from '../io/save.js';
import type { ClassificationReport } from '../metrics/report.js';
import { lineChartSvg } from '../report/chart.js';
import type { TabularRun } from './train.js';

const pct = (v: number) => v.toFixed(4);
const opt = (v: number | null) => (v === null ? '   n/a' : v.toFixed(4));

function row(name: string, r: ClassificationReport): string {
  return `${name.padEnd(34)} ${pct(r.accuracy)}    ${pct(r.precision)}    ${pct(r.recall)}  ${pct(r.f1)}  ${opt(r.rocAuc)}   ${opt(r.prAuc)}`;
}

/** The metrics a person reads after training: the network next to the baselines, on test rows. */
export function formatReport(run: TabularRun): string {
  const { parts, test } = run;
  const share = (p: { rows: number; positives: number }) =>
    `${p.rows} rows, ${p.positives} positive (${((100 * p.positives) / Math.max(1, p.rows)).toFixed(1)} %)`;
  const lines = [
    `train: ${share(parts.train)}; validation: ${share(parts.validation)}; test: ${share(parts.test)}`,
    `features after encoding: ${run.dataset.features}; threshold chosen on validation rows (max F1): ${run.threshold.toFixed(3)}`,
    '',
    `test rows                          accuracy  precision  recall  F1      ROC-AUC  PR-AUC`,
    row(`network (threshold ${run.threshold.toFixed(3)})`, test),
  ];
  if (run.baselines) {
    lines.push(
      row(
        `logistic regression (thr. ${run.baselines.logisticRegression.threshold.toFixed(3)})`,
        run.baselines.logisticRegression,
      ),
    );
    lines.push(row('always negative', run.baselines.alwaysNegative));
  }
  const c = test.confusion;
  lines.push(
    '',
    'confusion matrix of the network on test rows:',
    '                 predicted no   predicted yes',
    `  actual no      ${String(c.tn).padStart(12)}   ${String(c.fp).padStart(13)}`,
    `  actual yes     ${String(c.fn).padStart(12)}   ${String(c.tp).padStart(13)}`,
  );
  return lines.join('\n');
}

const metricsOf = (r: ClassificationReport) => ({
  accuracy: r.accuracy,
  precision: r.precision,
  recall: r.recall,
  f1: r.f1,
  rocAuc: r.rocAuc,
  prAuc: r.prAuc,
  logLoss: r.logLoss,
  threshold: r.threshold,
  confusion: r.confusion,
});

/** What metrics.json holds. */
export function runMetrics(run: TabularRun, source: { data: string; label: string }) {
  return {
    test: metricsOf(run.test),
    validation: metricsOf(run.validation),
    baselines: run.baselines && {
      alwaysNegative: metricsOf(run.baselines.alwaysNegative),
      logisticRegression: metricsOf(run.baselines.logisticRegression),
    },
    threshold: run.threshold,
    data: { ...source, features: run.dataset.features, ...run.parts },
    settings: run.settings,
    history: run.history,
    seconds: run.seconds,
  };
}

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
    title: 'Binary cross-entropy per epoch',
    xLabel: 'epoch',
    yLabel: 'loss',
    series,
  });
  writeFileSync(chartPath, svg);
  return [join(dir, 'model.json'), metricsPath, chartPath];
}
