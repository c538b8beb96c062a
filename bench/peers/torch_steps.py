#!/usr/bin/python3
"""PyTorch peer for `npm run bench:core`: ms per training step, float64, one thread.

Run with Debian's interpreter (/usr/bin/python3, packages python3-torch + libopenblas0-pthread),
with the BLAS pinned to one thread and OpenBLAS free to pick its own kernels:

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    /usr/bin/python3 bench/peers/torch_steps.py \
    '{"workloads":["W1","W2","W3"],"warmup":20,"reps":50,"rounds":5}'

The request is JSON on argv[1] or, if absent, on stdin. Keys (all optional):
  workloads  list of "W1" | "W2" | "W3"                      default all three
  warmup     steps per workload before timing: a number, or   default 20
             a map like reps
  reps       steps per timed round: a number, or a map         default 50
             {"W1": 30, "W2": 20, "W3": 2000} per workload
  rounds     timed rounds; rounds interleave the workloads    default 5
  threads    torch intra-op threads                           default 1

Output: JSON lines on stdout.
  {"type":"meta","peer":"torch",...}  once, first: versions, dtype, threads, BLAS libraries in use
  {"type":"round","peer":"torch","workload":"W1","round":0,"reps":50,"ms_per_step":9.1}
  {"type":"result","peer":"torch","workload":"W1","ms_per_step":[...per round],
   "median":..,"min":..,"max":..,"spread":(max-min)/median,"warmup":..,"reps":..,"rounds":..,
   "loss_first":..,"loss_last":..}  once per workload, after all rounds

One step = forward + backward + plain SGD update (lr 0.01), loss averaged over the batch.
  W1 deep-narrow: 2 -> 20 x 64 tanh -> 1, BCE with logits (fused), batch 256
  W2 wide:        784 -> 512 relu -> 512 relu -> 10, softmax CE (fused), batch 128
  W3 course:      2 -> 10 relu -> 5 relu -> 1, BCE with logits (fused), full batch 300
Weights: He-normal before ReLU, Xavier-normal before tanh and for the output layer; biases 0.
Data: fixed random data, generated once with a fixed seed.
"""

import json
import os
import statistics
import sys
import time

import torch

LR = 0.01
SEEDS = {"W1": 1234, "W2": 1235, "W3": 1236}


def blas_info():
    """Which BLAS/OpenMP libraries are loaded, and with how many threads."""
    out = {"build": None, "threadpoolctl": None}
    try:
        import re

        cfg = torch.__config__.show()
        out["build"] = ", ".join(re.findall(r"(?:BLAS_INFO|LAPACK_INFO)=[^,\s]*", cfg)) or None
    except Exception as e:  # pragma: no cover
        out["build"] = f"unavailable: {e}"
    try:
        import threadpoolctl

        out["threadpoolctl"] = [
            {
                k: lib.get(k)
                for k in ("internal_api", "filepath", "version", "architecture", "threading_layer", "num_threads")
                if k in lib
            }
            for lib in threadpoolctl.threadpool_info()
        ]
    except Exception as e:
        out["threadpoolctl"] = f"unavailable ({e}); apt-get install python3-threadpoolctl"
    return out


def make_workload(name, gen):
    """Returns (model, loss_fn, x, y) for one workload, float64, built once."""
    if name == "W1":
        sizes, acts, batch, kind = [2] + [64] * 20 + [1], ["tanh"] * 20, 256, "bce"
    elif name == "W2":
        sizes, acts, batch, kind = [784, 512, 512, 10], ["relu", "relu"], 128, "ce"
    elif name == "W3":
        sizes, acts, batch, kind = [2, 10, 5, 1], ["relu", "relu"], 300, "bce"
    else:
        raise ValueError(f"unknown workload {name!r}")

    layers = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            act = acts[i] if i < len(acts) else None
            # torch 1.13's nn.init has no generator= argument: it draws from the global seed,
            # which Runner sets just before building the model.
            if act == "relu":
                torch.nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
            else:
                torch.nn.init.xavier_normal_(lin.weight)
            lin.bias.zero_()
        layers.append(lin)
        if i < len(acts):
            layers.append(torch.nn.Tanh() if acts[i] == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)

    if name == "W2":
        x = torch.rand(batch, sizes[0], generator=gen)  # pixel-like values in [0, 1)
    else:
        x = torch.randn(batch, sizes[0], generator=gen)
    if kind == "bce":
        # a non-linear target (XOR of signs) so the loss is not trivially solved
        y = ((x[:, 0] * x[:, 1]) > 0).to(torch.get_default_dtype()).unsqueeze(1)
        loss_fn = torch.nn.BCEWithLogitsLoss()  # reduction="mean"
    else:
        y = torch.randint(0, sizes[-1], (batch,), generator=gen)
        loss_fn = torch.nn.CrossEntropyLoss()  # log-softmax + NLL, reduction="mean"
    return model, loss_fn, x, y


class Runner:
    def __init__(self, name, seed):
        gen = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        self.name = name
        self.model, self.loss_fn, self.x, self.y = make_workload(name, gen)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.loss_first = None
        self.last_loss = None

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss

    def run(self, n):
        loss = None
        for _ in range(n):
            loss = self.step()
        if loss is not None:
            self.last_loss = loss.item()  # CPU torch is synchronous; .item() is a cheap read
            if self.loss_first is None:
                self.loss_first = self.last_loss


def main():
    raw = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    req = json.loads(raw) if raw.strip() else {}
    workloads = req.get("workloads", ["W1", "W2", "W3"])
    warmup_req = req.get("warmup", 20)
    reps_req = req.get("reps", 50)
    rounds = int(req.get("rounds", 5))
    threads = int(req.get("threads", 1))
    # "cpu": time.process_time (this process's CPU time: with one BLAS and one torch thread, the step's own time,
    # not the phases a loaded machine deschedules us); default "wall": time.perf_counter.
    clock_name = req.get("clock", "wall")
    if clock_name not in ("wall", "cpu"):
        raise SystemExit(f"torch_steps.py: clock must be wall or cpu, got {clock_name}")
    clock = time.process_time if clock_name == "cpu" else time.perf_counter

    def warmup_for(w):
        return int(warmup_req.get(w, 20)) if isinstance(warmup_req, dict) else int(warmup_req)

    def reps_for(w):
        return int(reps_req.get(w, 50)) if isinstance(reps_req, dict) else int(reps_req)

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    env_keys = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]
    meta = {
        "type": "meta",
        "peer": "torch",
        "torch_version": torch.__version__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "dtype": str(torch.get_default_dtype()).replace("torch.", ""),
        "torch_num_threads": torch.get_num_threads(),
        "env": {k: os.environ.get(k) for k in env_keys},
        "blas": blas_info(),
        "request": {"workloads": workloads, "warmup": warmup_req, "reps": reps_req, "rounds": rounds, "clock": clock_name},
    }
    warnings = []
    if os.environ.get("OPENBLAS_NUM_THREADS") != str(threads):
        warnings.append(f"OPENBLAS_NUM_THREADS is not {threads}: OpenBLAS may use more threads")
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("OPENBLAS_L2_SIZE"):
        warnings.append("OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE set: OpenBLAS may not use its best kernels")
    meta["warnings"] = warnings
    print(json.dumps(meta), flush=True)

    runners = {w: Runner(w, seed=SEEDS[w]) for w in workloads}  # data independent of request order
    for w in workloads:
        runners[w].run(warmup_for(w))

    times = {w: [] for w in workloads}
    for r in range(rounds):
        for w in workloads:
            n = reps_for(w)
            t0 = clock()
            runners[w].run(n)
            ms = (clock() - t0) * 1000.0 / n
            times[w].append(ms)
            print(
                json.dumps({"type": "round", "peer": "torch", "workload": w, "round": r, "reps": n, "ms_per_step": ms}),
                flush=True,
            )

    for w in workloads:
        ts = times[w]
        med = statistics.median(ts) if ts else None
        print(
            json.dumps(
                {
                    "type": "result",
                    "peer": "torch",
                    "dtype": "float64",
                    "threads": threads,
                    "clock": clock_name,
                    "workload": w,
                    "ms_per_step": ts,
                    "median": med,
                    "min": min(ts) if ts else None,
                    "max": max(ts) if ts else None,
                    "spread": (max(ts) - min(ts)) / med if ts and med else None,
                    "warmup": warmup_for(w),
                    "reps": reps_for(w),
                    "rounds": rounds,
                    "loss_first": runners[w].loss_first,
                    "loss_last": runners[w].last_loss,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
