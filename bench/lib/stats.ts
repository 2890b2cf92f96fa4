import Benchmark from 'benchmark';

/** One measurement's spread, from benchmark.js samples (seconds per call). */
export interface Stats {
  /** Median seconds per call over every sample of every round. */
  median: number;
  /** benchmark.js mean seconds per call (over all samples). */
  mean: number;
  /** Relative margin of error, percent (benchmark.js: 95% confidence, Student t). */
  rme: number;
  /** Number of samples (each sample is the mean of one benchmark.js cycle). */
  samples: number;
  min: number;
  max: number;
  /** Rounds the samples came from (competitors are interleaved round by round). */
  rounds: number;
}

export interface RunOptions {
  /** Seconds benchmark.js may spend on this round (it still takes minSamples). */
  maxTime: number;
  minSamples: number;
}

/** Raw samples of one benchmark.js run of fn (synchronous fn) or of a deferred run (async fn). */
export function runBenchmark(fn: () => void | Promise<void>, opts: RunOptions): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const isAsync = fn.constructor.name === 'AsyncFunction';
    const bench = new Benchmark({
      // benchmark.js compiles the test body into a loop unless told the function is opaque; a
      // closure over local arrays cannot be inlined, so it must call it.
      fn: isAsync
        ? (deferred: Benchmark.Deferred) => {
            (fn() as Promise<void>).then(
              () => deferred.resolve(),
              (err) => reject(err),
            );
          }
        : () => {
            fn();
          },
      defer: isAsync,
      maxTime: opts.maxTime,
      minSamples: opts.minSamples,
      // Calibration cycles are not samples: keep the first timed cycle short.
      initCount: 1,
      onError: (event: Benchmark.Event) => reject((event.target as unknown as { error: Error }).error),
      onComplete: () => resolve([...bench.stats.sample]),
    });
    bench.run({ async: false });
  });
}

/** Samples of one measurement and the cores it kept busy. */
export interface Measured {
  /** Seconds per call. */
  samples: number[];
  /**
   * CPU seconds of the measuring process per wall second while it measured: about the thread count
   * on an idle machine, less when other work takes the cores (the load behind a slow row).
   */
  cpuPerWall: number;
}

/** runBenchmark, with the CPU time this process spent (all its threads) per wall second. */
export async function measureHere(fn: () => void | Promise<void>, opts: RunOptions): Promise<Measured> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const samples = await runBenchmark(fn, opts);
  const cpu = process.cpuUsage(cpu0);
  return { samples, cpuPerWall: (cpu.user + cpu.system) / 1e3 / (performance.now() - t0) };
}

/** Mean of the per-round CPU-per-wall figures (NaN-free), rounded for the JSON. */
export function meanCpuPerWall(xs: readonly number[]): number | undefined {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? Math.round((ok.reduce((a, b) => a + b, 0) / ok.length) * 100) / 100 : undefined;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// Student's t critical values at 95% (two-sided) by degrees of freedom, as benchmark.js uses.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Summary of every sample gathered across rounds (same definitions as benchmark.js's stats). */
export function sampleStats(sample: readonly number[], rounds: number): Stats {
  const n = sample.length;
  const mean = sample.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? sample.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const sem = Math.sqrt(variance / n);
  const df = n - 1;
  const t = df < 1 ? Number.NaN : (T95[df - 1] ?? 1.96);
  const rme = n > 1 ? ((sem * t) / mean) * 100 : Number.NaN;
  return {
    median: median(sample),
    mean,
    rme,
    samples: n,
    min: Math.min(...sample),
    max: Math.max(...sample),
    rounds,
  };
}
