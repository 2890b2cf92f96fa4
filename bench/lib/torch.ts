// PyTorch as a measuring peer: bench/torch_peer.py in one child process for the whole run, spoken
// to in JSON lines. It times its own calls (a round trip per call would time the pipe, not torch)
// and answers with samples in seconds per call, which the bench treats like benchmark.js's.
// Debian's python3-torch is the peer: installed by whoever runs the bench, never by CI.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { root } from './machine.js';
import type { RunOptions } from './stats.js';

/** How to install the peer, appended to every reason it is absent. */
export const TORCH_INSTALL_HINT = 'sudo apt-get install python3-torch';

export const TORCH_SCRIPT = join(root, 'bench', 'torch_peer.py');

/**
 * The interpreter the peer runs in: TENSORGRAD_BENCH_PYTHON, else Debian's /usr/bin/python3 (where
 * apt puts torch; a pyenv `python3` earlier on PATH would not see it), else `python3` on PATH.
 */
export function torchPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TENSORGRAD_BENCH_PYTHON) return env.TENSORGRAD_BENCH_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Why the peer is skipped on purpose (TENSORGRAD_BENCH_TORCH=0), or null. */
export function torchDisabled(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.TENSORGRAD_BENCH_TORCH === '0' ? 'skipped (TENSORGRAD_BENCH_TORCH=0 or --no-torch)' : null;
}

export interface TorchInfo {
  torch: string;
  /** Debian's python3-torch version when dpkg knows it (torch.__version__ says 1.13.0a0 there). */
  package: string | null;
  python: string;
  executable: string;
  blas: string;
  threads: number;
}

export interface TorchSamples {
  /** Seconds per call. */
  samples: number[];
  /** CPU seconds per wall second over the timed cycles: the cores torch actually kept busy. */
  cpuPerWall: number;
  /** Mean training loss of the last epoch (training handles only). */
  loss?: number;
}

export type Reply =
  | { id: number; ok: true; [key: string]: unknown }
  | { id: number; ok: false; error: string };

/** One line the peer wrote, checked: a reply to request `id`, or an error naming what was wrong. */
export function parseReply(line: string): Reply {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`torch peer: not a JSON line: ${JSON.stringify(line.slice(0, 200))}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new Error(`torch peer: expected a JSON object, got ${JSON.stringify(v)}`);
  }
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'number' || typeof o.ok !== 'boolean') {
    throw new Error(`torch peer: reply without a numeric id and a boolean ok: ${line.slice(0, 200)}`);
  }
  if (!o.ok) return { id: o.id, ok: false, error: typeof o.error === 'string' ? o.error : 'unknown error' };
  return o as Reply;
}

/** The samples of a `measure` reply; throws when they are missing or not positive times. */
export function samplesOf(r: Record<string, unknown>): TorchSamples {
  const s = r.samples;
  if (!Array.isArray(s) || s.length === 0 || !s.every((x) => typeof x === 'number' && x > 0)) {
    throw new Error(`torch peer: a measure reply needs positive samples, got ${JSON.stringify(s)}`);
  }
  return {
    samples: s as number[],
    cpuPerWall: typeof r.cpuPerWall === 'number' ? r.cpuPerWall : Number.NaN,
    ...(typeof r.loss === 'number' ? { loss: r.loss } : {}),
  };
}

export interface TorchPeer {
  info: TorchInfo;
  /** Operands for one product (uniform in [-1, 1), the transposed ones stored transposed). */
  setupMm(s: { m: number; n: number; k: number; transA: boolean; transB: boolean }): Promise<number>;
  /** A model of the bench's architecture on the rows in the two files (raw little-endian float32). */
  setupTraining(o: {
    widths: readonly number[];
    dropout: number;
    batch: number;
    rows: number;
    xPath: string;
    yPath: string;
    seed?: number;
  }): Promise<number>;
  /** Times calls of a handle at a thread count (torch's and OpenBLAS's pools both set to it). */
  measure(handle: number, threads: number, o: RunOptions & { warmup?: boolean }): Promise<TorchSamples>;
  dispose(handle: number): Promise<void>;
  close(): void;
}

export type TorchStart = { peer: TorchPeer; absent?: undefined } | { peer?: undefined; absent: string };

export interface StartOptions {
  python?: string;
  script?: string;
  /** Milliseconds allowed for the interpreter to import torch and say it is ready. */
  startTimeoutMs?: number;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the peer; `{ absent: reason }` when the interpreter is missing, torch does not import, or
 * the script does not answer. Never throws.
 */
/**
 * glibc malloc settings for the peer: large blocks stay in the heap instead of being mapped and
 * unmapped per tensor. torch allocates every activation and gradient anew each step, and by default
 * glibc maps blocks above a threshold that only grows after a large block is freed, so torch's speed
 * depended on what the peer had run before: the wide model on 1 thread trained at 6,492 samples/s in
 * a fresh process and 7,446 after one 2048^3 torch.mm; with these settings, 7,447 from the start.
 * (tensorgrad's own steps reuse their arrays through its buffer pool.)
 */
export const PEER_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(64 << 20),
  MALLOC_TRIM_THRESHOLD_: String(256 << 20),
  MALLOC_TOP_PAD_: String(64 << 20),
};

/**
 * The peer's environment. Debian's torch runs its elementwise work on libgomp threads and torch.mm
 * on OpenBLAS's own threads; libgomp's workers spin after each parallel region by default, and on
 * two cores they took the core OpenBLAS needed (the wide model on 2 threads ran at 2,832 samples/s
 * against 4,540 on 1; 6,150 with passive waiting). So the peer waits passively, and allocates as
 * PEER_MALLOC_ENV says, unless the environment says otherwise.
 */
export function peerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, OMP_WAIT_POLICY: env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  for (const [k, v] of Object.entries(PEER_MALLOC_ENV)) out[k] = env[k] ?? v;
  return out;
}

export async function startTorchPeer(o: StartOptions = {}): Promise<TorchStart> {
  const disabled = torchDisabled();
  if (disabled && !o.python) return { absent: disabled };
  const python = o.python ?? torchPython();
  const script = o.script ?? TORCH_SCRIPT;
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'], env: peerEnv(o.env ?? process.env) });
  } catch (err) {
    return { absent: `cannot start ${python}: ${(err as Error).message}` };
  }
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let exited: Error | null = null;
  let ready: ((first: string | Error) => void) | null = null;
  const first = new Promise<string | Error>((resolve) => {
    ready = resolve;
  });
  lines.on('line', (line) => {
    if (ready) {
      const r = ready;
      ready = null;
      r(line);
      return;
    }
    try {
      const reply = parseReply(line);
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      p?.resolve(reply);
    } catch (err) {
      for (const p of pending.values()) p.reject(err as Error);
      pending.clear();
    }
  });
  const onGone = (err: Error) => {
    exited = err;
    ready?.(err);
    ready = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  child.on('error', (err) => onGone(new Error(`cannot start ${python}: ${err.message}`)));
  child.on('exit', (code, signal) =>
    onGone(
      new Error(
        `torch peer exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`,
      ),
    ),
  );
  // The write end fails with EPIPE once the child is gone; the exit handler reports why.
  child.stdin.on('error', () => {});

  const timeoutMs = o.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const firstLine = await Promise.race([
    first,
    new Promise<Error>((resolve) => {
      timer = setTimeout(
        () => resolve(new Error(`${python} did not import torch within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    }),
  ]);
  clearTimeout(timer);
  const fail = (why: string): TorchStart => {
    child.kill();
    return { absent: why };
  };
  if (firstLine instanceof Error) return fail(firstLine.message);
  let hello: { ready?: unknown; reason?: unknown };
  try {
    hello = JSON.parse(firstLine);
  } catch {
    return fail(`${script} wrote ${JSON.stringify(firstLine.slice(0, 200))} instead of its ready line`);
  }
  if (hello.ready !== true) {
    const reason = typeof hello.reason === 'string' ? hello.reason : 'torch did not import';
    return fail(`python3-torch not importable by ${python} (${reason}): ${TORCH_INSTALL_HINT}`);
  }

  let nextId = 1;
  const call = (op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, {
        resolve: (r) => (r.ok ? resolve(r) : reject(new Error(`torch peer ${op}: ${r.error}`))),
        reject,
      });
      child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  };
  let info: TorchInfo;
  try {
    info = (await call('hello')) as unknown as TorchInfo;
  } catch (err) {
    return fail((err as Error).message);
  }
  const handleOf = (r: Record<string, unknown>) => {
    if (typeof r.handle !== 'number') throw new Error(`torch peer: no handle in ${JSON.stringify(r)}`);
    return r.handle;
  };
  const peer: TorchPeer = {
    info,
    setupMm: async (s) =>
      handleOf(await call('setup_mm', { m: s.m, n: s.n, k: s.k, transA: s.transA, transB: s.transB })),
    setupTraining: async (t) =>
      handleOf(
        await call('setup_train', {
          widths: t.widths,
          dropout: t.dropout,
          batch: t.batch,
          rows: t.rows,
          x: t.xPath,
          y: t.yPath,
          seed: t.seed ?? 1,
        }),
      ),
    measure: async (handle, threads, m) =>
      samplesOf(
        await call('measure', {
          handle,
          threads,
          maxTime: m.maxTime,
          minSamples: m.minSamples,
          warmup: !!m.warmup,
        }),
      ),
    dispose: async (handle) => {
      await call('dispose', { handle });
    },
    close: () => {
      child.stdin.end();
      lines.close();
    },
  };
  return { peer };
}
