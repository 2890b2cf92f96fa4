/** Metrics of a regression: predicted against true values, on the target's own scale. */

export interface RegressionReport {
  /** Root mean squared error. */
  rmse: number;
  /** Mean absolute error. */
  mae: number;
  /** Coefficient of determination: 1 - SSE / SST (sklearn's r2_score; 0 when the target is constant). */
  r2: number;
  rows: number;
}

export function regressionReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionReport {
  const n = yTrue.length;
  if (n === 0) throw new Error('regressionReport: empty input');
  if (yPred.length !== n)
    throw new Error(`regressionReport: yTrue has ${n} values but yPred has ${yPred.length}`);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(yTrue[i]) || !Number.isFinite(yPred[i])) {
      throw new Error(
        `regressionReport: row ${i} has a non-finite value (true ${yTrue[i]}, predicted ${yPred[i]})`,
      );
    }
    mean += yTrue[i];
  }
  mean /= n;
  let sse = 0;
  let sae = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const e = yTrue[i] - yPred[i];
    sse += e * e;
    sae += Math.abs(e);
    sst += (yTrue[i] - mean) ** 2;
  }
  return {
    rmse: Math.sqrt(sse / n),
    mae: sae / n,
    r2: sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst,
    rows: n,
  };
}
