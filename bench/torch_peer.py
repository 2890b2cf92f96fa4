"""PyTorch as a measuring peer for `npm run bench` (bench/lib/torch.ts starts it).

One process per bench run, so the interpreter and `import torch` are paid once. It reads one JSON
request per line on stdin and writes one JSON reply per line on stdout:

  {"id": 1, "op": "hello"}
  {"id": 2, "op": "setup_mm", "m": 64, "n": 64, "k": 64, "transA": false, "transB": false}
  {"id": 3, "op": "setup_train", "widths": [10, 64, 32, 1], "dropout": 0.5, "batch": 32,
   "rows": 1024, "x": "/tmp/.../x.f32", "y": "/tmp/.../y.f32", "seed": 1}
  {"id": 4, "op": "measure", "handle": 1, "threads": 1, "maxTime": 0.3, "minSamples": 2}
  {"id": 5, "op": "dispose", "handle": 1}

Replies are {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."}. `measure`
answers with `samples` (seconds per call) taken the way benchmark.js takes them on the Node side:
cycles of at least 50 ms, each sample a cycle's time divided by its calls, until maxTime has passed
and minSamples are in. If torch cannot be imported, the first line written is
{"ready": false, "reason": "..."} and the process exits; otherwise it is {"ready": true}.
"""

import ctypes
import json
import resource
import subprocess
import sys
import time

try:
    import torch
except Exception as err:  # ImportError, or a broken install (missing shared library)
    print(json.dumps({"ready": False, "reason": f"{type(err).__name__}: {err}"}), flush=True)
    sys.exit(0)

MIN_CYCLE_SEC = 0.05  # benchmark.js's minTime on a timer with microsecond resolution


def load_openblas():
    """torch.mm here calls libblas.so.3, which Debian points at OpenBLAS: that library has its own
    thread pool, which torch.set_num_threads does not reach, so its count is set beside torch's."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib
        except (OSError, AttributeError):
            continue
    return None


# A first product loads libblas (and with it OpenBLAS) into the process.
torch.mm(torch.ones(2, 2), torch.ones(2, 2))
OPENBLAS = load_openblas()


def set_threads(t):
    torch.set_num_threads(t)
    if OPENBLAS is not None:
        OPENBLAS.openblas_set_num_threads(t)


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(fn, max_time, min_samples):
    """Seconds per call of fn, one sample per cycle; also CPU seconds per wall second (threads used)."""
    samples = []
    count = 1
    start = time.perf_counter()
    cpu0 = cpu_seconds()
    busy = 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(count):
            fn()
        dt = time.perf_counter() - t0
        busy += dt
        if dt < MIN_CYCLE_SEC:
            # Too short to be a sample: more calls per cycle (benchmark.js does the same).
            count = max(count + 1, int(count * MIN_CYCLE_SEC / max(dt, 1e-9) * 1.1))
            continue
        samples.append(dt / count)
        if len(samples) >= min_samples and time.perf_counter() - start >= max_time:
            break
    return samples, (cpu_seconds() - cpu0) / busy


class Gemm:
    def __init__(self, m, n, k, trans_a, trans_b):
        g = torch.Generator().manual_seed(1)
        # Uniform in [-1, 1), as the Node side fills its operands; stored transposed when asked and
        # viewed through .t(), which torch hands to BLAS as a flag without copying.
        a = torch.rand((k, m) if trans_a else (m, k), generator=g) * 2 - 1
        b = torch.rand((n, k) if trans_b else (k, n), generator=g) * 2 - 1
        self.a = a.t() if trans_a else a
        self.b = b.t() if trans_b else b
        self.c = torch.empty(m, n)

    def run(self):
        torch.mm(self.a, self.b, out=self.c)


def read_f32(path, count):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    t = torch.frombuffer(data, dtype=torch.float32)
    if t.numel() != count:
        raise ValueError(f"{path}: expected {count} float32 values, found {t.numel()}")
    return t


class Training:
    """The bench's dense model: Linear + ReLU + Dropout per hidden layer, a linear head whose logit
    goes through BCEWithLogitsLoss (tensorgrad fuses its sigmoid output with BCE the same way),
    Glorot-uniform weights and zero biases as Keras and tensorgrad start, Adam(lr 0.001, eps 1e-7).
    One call is one epoch over the rows, reshuffled every epoch, as model.fit does."""

    def __init__(self, widths, dropout, batch, rows, x_path, y_path, seed):
        torch.manual_seed(seed)
        layers = []
        for i in range(1, len(widths)):
            lin = torch.nn.Linear(widths[i - 1], widths[i])
            torch.nn.init.xavier_uniform_(lin.weight)
            torch.nn.init.zeros_(lin.bias)
            layers.append(lin)
            if i < len(widths) - 1:
                layers.append(torch.nn.ReLU())
                layers.append(torch.nn.Dropout(dropout))
        self.model = torch.nn.Sequential(*layers)
        self.model.train()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)
        self.loss = torch.nn.BCEWithLogitsLoss()
        self.x = read_f32(x_path, rows * widths[0]).view(rows, widths[0])
        self.y = read_f32(y_path, rows).view(rows, 1)
        self.rows = rows
        self.batch = batch
        self.shuffler = torch.Generator().manual_seed(seed)
        self.last_loss = float("nan")

    def run(self):
        order = torch.randperm(self.rows, generator=self.shuffler)
        total = 0.0
        batches = 0
        for s in range(0, self.rows, self.batch):
            idx = order[s : s + self.batch]
            xb = self.x.index_select(0, idx)
            yb = self.y.index_select(0, idx)
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss(self.model(xb), yb)
            loss.backward()
            self.opt.step()
            total += loss.item()
            batches += 1
        self.last_loss = total / batches


def debian_package():
    """Debian's build says 1.13.0a0 in torch.__version__; the package version is the one to quote."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "python3-torch"], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def hello():
    return {
        "torch": torch.__version__,
        "package": debian_package(),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "blas": OPENBLAS.openblas_get_config().decode() if OPENBLAS is not None else "not OpenBLAS",
        "threads": torch.get_num_threads(),
    }


def main():
    objects = {}
    next_handle = 1
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            op = req.get("op")
            if op == "hello":
                reply = hello()
            elif op == "setup_mm":
                objects[next_handle] = Gemm(req["m"], req["n"], req["k"], req["transA"], req["transB"])
                reply = {"handle": next_handle}
                next_handle += 1
            elif op == "setup_train":
                objects[next_handle] = Training(
                    req["widths"], req["dropout"], req["batch"], req["rows"], req["x"], req["y"], req.get("seed", 1)
                )
                reply = {"handle": next_handle}
                next_handle += 1
            elif op == "measure":
                obj = objects[req["handle"]]
                set_threads(req["threads"])
                if req.get("warmup", False):
                    obj.run()
                samples, cores = measure(obj.run, req["maxTime"], req["minSamples"])
                reply = {"samples": samples, "cpuPerWall": cores, "threads": torch.get_num_threads()}
                if isinstance(obj, Training):
                    reply["loss"] = obj.last_loss
            elif op == "dispose":
                objects.pop(req["handle"], None)
                reply = {}
            else:
                raise ValueError(f"unknown op {op!r}")
            out = {"id": req_id, "ok": True, **reply}
        except Exception as err:
            out = {"id": req_id, "ok": False, "error": f"{type(err).__name__}: {err}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
