"""Benchmark: optmath's batched trajectories against the seeds' per-start loops.

The videos need many trajectories at once (basin maps, learning-rate sweeps),
and the seed material computes them one start at a time.  This script runs the
same work three ways and prints the times side by side:

* optmath batched: ``optmath.batch_trajectory`` over all starts at once;
* torch.optim loop: one (2,) tensor per start, loss.backward(), opt.step(),
  as a tutorial (seed 002) writes it, in float64;
* plain-Python loop: scalar floats and a hand-written gradient per step, as
  seed 004 writes it, with torch's update rules.

The loops are far too slow to run on every start, so they run on a subsample
(the first ``--subsample`` starts) and their time is scaled up linearly: every
trajectory does the same number of steps, so the cost per trajectory does not
depend on which starts are timed.

Run from the repository root::

    .venv/bin/python bench/bench_optimizers.py            # the full benchmark
    .venv/bin/python bench/bench_optimizers.py --quick    # a few-second smoke run

A MISS on a target is reported, not turned into a failing exit code: timings
depend on the machine.  The exit code is 1 only if the sanity check finds that
a loop does not do the same work as optmath, since then no ratio means anything.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

# Lets the script run from a bare checkout as well as from an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optmath  # noqa: E402

SURFACE = "cubic"
SEED = 20240601  # fixed, so every run times the very same starts

# lr 0.05 sits well inside plain GD's stable range at the cubic's minimum
# (lr < 2/3); Adadelta's lr is a multiplier on a unit-matched step, 1.0 in torch.
# Every optimizer gets its hyperparameters spelled out, rather than relying on
# optmath's and torch's defaults agreeing (torch's SGD defaults to momentum 0).
HYPER = {
    "sgd": dict(lr=0.05),
    "momentum": dict(lr=0.05, momentum=0.9),
    "nesterov": dict(lr=0.05, momentum=0.9),
    "adagrad": dict(lr=0.05),
    "rmsprop": dict(lr=0.05),
    "adadelta": dict(lr=1.0),
    "adam": dict(lr=0.05),
    "adamw": dict(lr=0.05, weight_decay=1e-2),
    "adamax": dict(lr=0.05),
    "nadam": dict(lr=0.05),
}
TORCH_CLASS = {  # optmath name -> (torch.optim class, arguments only torch needs)
    "sgd": ("SGD", {}), "momentum": ("SGD", {}), "nesterov": ("SGD", {"nesterov": True}),
    "adagrad": ("Adagrad", {}), "rmsprop": ("RMSprop", {}), "adadelta": ("Adadelta", {}),
    "adam": ("Adam", {}), "adamw": ("AdamW", {}), "adamax": ("Adamax", {}), "nadam": ("NAdam", {}),
}

RTOL = 1e-8  # np.allclose's default atol (1e-8) applies too
EARLY_STEPS = 20  # paths must agree this long, or the loop runs a different rule

TARGET_BATCH_SECONDS = 2.0
TARGET_SPEEDUP_VS_TORCH = 100.0
DEFAULTS = dict(starts=10_000, steps=500, subsample=20, repeats=3)
QUICK = dict(starts=500, steps=50, subsample=3, repeats=1)


# ---------------------------------------------------------------------------------------
# The three ways of computing the trajectories
# ---------------------------------------------------------------------------------------
def random_starts(n: int) -> np.ndarray:
    (x0, x1), (y0, y1) = optmath.get_surface(SURFACE).domain
    rng = np.random.default_rng(SEED)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def run_batched(starts, steps, keep):
    """Time one batch_trajectory call per optimizer; keep the first ``keep`` rows to check against.

    Returns (seconds for the whole set, {name: seconds}, {name: (xy rows, diverged_at rows)}).
    """
    times, rows = {}, {}
    t_all = time.perf_counter()
    for name, hyper in HYPER.items():
        t0 = time.perf_counter()
        bt = optmath.batch_trajectory(SURFACE, name, starts, steps, record_state=False, **hyper)
        times[name] = time.perf_counter() - t0
        rows[name] = (bt.xy[:keep].copy(), bt.diverged_at[:keep].copy())
        del bt  # a full result is ~200 MB: free it before the next optimizer allocates its own
    return time.perf_counter() - t_all, times, rows


def cubic_loss(p):
    """The cubic as a tutorial writes it for autograd."""
    return p[0] ** 2 + p[1] ** 2 + p[1] ** 3 + p[0] * p[1]


def run_torch_loop(torch, name, starts, steps) -> np.ndarray:
    """One torch.optim optimizer per start; returns the paths, shape (len(starts), steps+1, 2).

    The path is recorded every step (as the seeds do for plotting) because
    optmath records it too: both sides produce the same output.
    """
    cls_name, extra = TORCH_CLASS[name]
    cls = getattr(torch.optim, cls_name)
    paths = []
    for start in starts:
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = cls([p], **HYPER[name], **extra)
        path = [p.detach().clone()]
        for _ in range(steps):
            opt.zero_grad()
            loss = cubic_loss(p)
            loss.backward()
            opt.step()
            path.append(p.detach().clone())
        paths.append(torch.stack(path).numpy())
    return np.stack(paths)


# Seed 004's style: scalar floats, a hand-written gradient, one trainer call per
# step carrying its own state.  The update rules are torch's (not the seed's
# variants) so the loop does the same work as the other two methods, and each
# expression keeps optmath's operation order, so the paths agree to the last
# bit or so (numpy's vectorised power, in Adam's bias correction, can differ
# from Python's float ** by an ulp).
def f_grad(x1, x2):
    # x2 * x2 rather than x2 ** 2: float ** raises OverflowError once a path
    # diverges, where numpy and torch just give inf.
    return 2 * x1 + x2, 2 * x2 + 3 * x2 * x2 + x1


def make_sgd(lr):
    def sgd(x1, x2, state, t):
        g1, g2 = f_grad(x1, x2)
        return x1 - lr * g1, x2 - lr * g2, state
    return sgd


def make_momentum(lr, momentum):
    def heavy_ball(x1, x2, state, t):
        g1, g2 = f_grad(x1, x2)
        if t == 1:  # torch's first buffer is the raw gradient
            b1, b2 = g1, g2
        else:
            b1, b2 = momentum * state[0] + 1.0 * g1, momentum * state[1] + 1.0 * g2
        return x1 - lr * b1, x2 - lr * b2, (b1, b2)
    return heavy_ball


def make_adagrad(lr, eps=1e-10):
    def adagrad(x1, x2, state, t):
        g1, g2 = f_grad(x1, x2)
        s1, s2 = state or (0.0, 0.0)
        s1, s2 = s1 + g1 * g1, s2 + g2 * g2
        clr = lr / 1.0  # torch's lr / (1 + (t-1)*lr_decay) with lr_decay 0
        return x1 - clr * (g1 / (math.sqrt(s1) + eps)), x2 - clr * (g2 / (math.sqrt(s2) + eps)), (s1, s2)
    return adagrad


def make_rmsprop(lr, alpha=0.99, eps=1e-8):
    def rmsprop(x1, x2, state, t):
        g1, g2 = f_grad(x1, x2)
        v1, v2 = state or (0.0, 0.0)
        v1, v2 = alpha * v1 + (1 - alpha) * (g1 * g1), alpha * v2 + (1 - alpha) * (g2 * g2)
        return x1 - lr * (g1 / (math.sqrt(v1) + eps)), x2 - lr * (g2 / (math.sqrt(v2) + eps)), (v1, v2)
    return rmsprop


def make_adam(lr, beta1=0.9, beta2=0.999, eps=1e-8):
    def adam(x1, x2, state, t):
        g1, g2 = f_grad(x1, x2)
        m1, m2, n1, n2 = state or (0.0, 0.0, 0.0, 0.0)
        m1, m2 = m1 + (1 - beta1) * (g1 - m1), m2 + (1 - beta1) * (g2 - m2)  # torch.lerp's form
        n1, n2 = beta2 * n1 + (1 - beta2) * (g1 * g1), beta2 * n2 + (1 - beta2) * (g2 * g2)
        step_size = lr / (1 - beta1 ** t)
        bc2_sqrt = math.sqrt(1 - beta2 ** t)
        x1 = x1 - step_size * (m1 / (math.sqrt(n1) / bc2_sqrt + eps))
        x2 = x2 - step_size * (m2 / (math.sqrt(n2) / bc2_sqrt + eps))
        return x1, x2, (m1, m2, n1, n2)
    return adam


# Seed 004's set (SGD, momentum, AdaGrad, RMSProp, Adam), with torch's defaults.
PYTHON_TRAINERS = {
    "sgd": lambda: make_sgd(HYPER["sgd"]["lr"]),
    "momentum": lambda: make_momentum(HYPER["momentum"]["lr"], HYPER["momentum"]["momentum"]),
    "adagrad": lambda: make_adagrad(HYPER["adagrad"]["lr"]),
    "rmsprop": lambda: make_rmsprop(HYPER["rmsprop"]["lr"]),
    "adam": lambda: make_adam(HYPER["adam"]["lr"]),
}


def train_2d(trainer, x1, x2, steps):
    """Seed 004's driver: one trainer call per step, the path kept as a list of tuples."""
    state = None
    res = [(x1, x2)]
    for t in range(1, steps + 1):
        x1, x2, state = trainer(x1, x2, state, t)
        res.append((x1, x2))
    return res


def run_python_loop(name, starts, steps) -> np.ndarray:
    paths = [train_2d(PYTHON_TRAINERS[name](), float(x), float(y), steps) for x, y in starts]
    return np.array(paths)


# ---------------------------------------------------------------------------------------
# Checking that the loops did the same work as optmath
# ---------------------------------------------------------------------------------------
def compare(paths, ref_xy, diverged_at) -> dict:
    """Compare loop paths with optmath's rows for the same starts.

    A row's final point matches if np.allclose(rtol=RTOL) holds, or, where
    optmath records an escape (its path is NaN afterwards), if the loop's
    final point has left the escape box too.  Paths are compared step by step
    over the steps optmath has as finite numbers, to find where they part.
    """
    surf = optmath.get_surface(SURFACE)
    final_ok, escaped_both, departures = 0, 0, []
    for path, ref, d in zip(paths, ref_xy, diverged_at):
        if d >= 0:
            ok = bool(surf.escaped(path[-1]))
            escaped_both += ok
        else:
            ok = np.allclose(path[-1], ref[-1], rtol=RTOL)
        final_ok += ok
        finite = np.all(np.isfinite(ref), axis=-1)
        close = np.all(np.isclose(path, ref, rtol=RTOL), axis=-1) | ~finite
        departures.append(int(np.argmin(close)) if not close.all() else None)
    early = min(EARLY_STEPS, paths.shape[1] - 1)
    with np.errstate(invalid="ignore"):
        first_steps = np.abs(paths[:, 1:early + 1] - ref_xy[:, 1:early + 1])
    parted = [k for k in departures if k is not None]
    return {
        "rows": len(paths), "final_ok": final_ok, "escaped_both": escaped_both,
        "first_departure": min(parted) if parted else None, "parted_rows": len(parted),
        "early_max_diff": float(np.nanmax(first_steps)) if np.isfinite(first_steps).any() else 0.0,
        "same_work": all(k is None or k > early for k in departures),
    }


def check_line(label, name, c) -> str:
    verdict = "MATCH" if c["final_ok"] == c["rows"] else "DIFFER"
    line = (f"  {label:<12} {name:<9} finals {verdict:<6} {c['final_ok']:>3}/{c['rows']:<3}"
            f" (escaped in both: {c['escaped_both']});"
            f" max |diff| steps 1-{EARLY_STEPS}: {c['early_max_diff']:.1e}")
    if c["parted_rows"]:
        line += f"; {c['parted_rows']} path(s) part beyond rtol from step {c['first_departure']}"
    return line


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------
def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:,.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.2f} us"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=DEFAULTS["starts"], help="starts per optimizer (default %(default)s)")
    parser.add_argument("--steps", type=int, default=DEFAULTS["steps"], help="steps per trajectory (default %(default)s)")
    parser.add_argument("--subsample", type=int, default=DEFAULTS["subsample"],
                        help="starts per optimizer the loops actually run, then scaled up (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=DEFAULTS["repeats"],
                        help="runs of the whole batched set; the median counts (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help=f"tiny smoke run: {QUICK}")
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    n, steps, sub = args.starts, args.steps, min(args.subsample, args.starts)
    if n < 1 or steps < 1 or sub < 1 or args.repeats < 1:
        parser.error("--starts, --steps, --subsample and --repeats must be >= 1")

    import torch  # imported late: a test-only dependency, and slow to import

    # torch.optim keeps some state (NAdam's mu_product) in the default dtype;
    # float64 everywhere makes it the same arithmetic as optmath's.
    torch.set_default_dtype(torch.float64)

    starts = random_starts(n)
    names = list(HYPER)
    print(f"optmath benchmark, {datetime.now():%Y-%m-%d %H:%M}: surface {SURFACE!r}, {len(names)} optimizers x "
          f"{n:,} starts x {steps} steps (seed {SEED})")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch threads")
    print()

    # optmath batched.  Repeats, because single runs on this VM vary by up to
    # ~0.4 s when fresh memory pages are first touched; the median is reported.
    totals, per_opt_runs, rows = [], {k: [] for k in names}, None
    for _ in range(args.repeats):
        total, per_opt, rows = run_batched(starts, steps, keep=sub)
        totals.append(total)
        for k in names:
            per_opt_runs[k].append(per_opt[k])
    batch_total = statistics.median(totals)
    batch_opt = {k: statistics.median(v) for k, v in per_opt_runs.items()}

    # The loops.  One untimed short run per optimizer first, so torch's lazy
    # imports and first-call setup are not billed to the first optimizer.
    warm = starts[:1]
    for k in names:
        run_torch_loop(torch, k, warm, 2)
    torch_opt, python_opt, checks = {}, {}, []
    for k in names:
        t0 = time.perf_counter()
        paths = run_torch_loop(torch, k, starts[:sub], steps)
        torch_opt[k] = time.perf_counter() - t0
        checks.append(("torch loop", k, compare(paths, *rows[k])))
    for k in PYTHON_TRAINERS:
        t0 = time.perf_counter()
        paths = run_python_loop(k, starts[:sub], steps)
        python_opt[k] = time.perf_counter() - t0
        checks.append(("Python loop", k, compare(paths, *rows[k])))

    # --- sanity check ------------------------------------------------------------------
    print(f"Sanity check: loop paths vs optmath's rows for the same {sub} starts "
          f"(np.allclose rtol={RTOL:g}, atol=1e-8 default)")
    for label, k, c in checks:
        print(check_line(label, k, c))
    same_work = all(c["same_work"] for _, _, c in checks)
    all_final = all(c["final_ok"] == c["rows"] for _, _, c in checks)
    print(f"  final points match optmath for every compared start: {'yes' if all_final else 'no'}")
    if not all_final:
        print("  (where finals differ, the paths agree to rounding for many steps and then part: torch's"
              " autograd and kernels round differently by an ulp, and a method that keeps hopping around"
              " the minimum amplifies that; see bench/README.md)")
    print(f"  every path agrees with optmath over steps 1-{min(EARLY_STEPS, steps)} (same rule, same work): "
          f"{'yes' if same_work else 'NO'}")
    print()

    # --- timing table --------------------------------------------------------------------
    scale = n / sub
    n_py = len(python_opt)
    torch_total, python_total = sum(torch_opt.values()), sum(python_opt.values())
    batch_py_subset = sum(batch_opt[k] for k in python_opt)
    per_batch = batch_total / (len(names) * n)
    per_torch = torch_total / (len(names) * sub)
    per_python = python_total / (n_py * sub)
    per_batch_py = batch_py_subset / (n_py * n)

    head = f"{'method':<18} {'optimizers':>10} {'timed trajectories':>24} {'measured':>11} {'for all starts':>22} {'per trajectory':>15} {'optmath speed-up':>17}"
    print(head)
    print("-" * len(head))
    print(f"{'optmath batched':<18} {len(names):>10} {f'{len(names) * n:,} (all)':>24} {fmt_time(batch_total):>11}"
          f" {fmt_time(batch_total):>22} {fmt_time(per_batch):>15} {'1x':>17}")
    print(f"{'torch.optim loop':<18} {len(names):>10} {f'{len(names) * sub:,} ({sub}/optimizer)':>24}"
          f" {fmt_time(torch_total):>11} {fmt_time(torch_total * scale) + ' (scaled)':>22}"
          f" {fmt_time(per_torch):>15} {f'{per_torch / per_batch:,.0f}x':>17}")
    print(f"{'plain-Python loop':<18} {n_py:>10} {f'{n_py * sub:,} ({sub}/optimizer)':>24}"
          f" {fmt_time(python_total):>11} {fmt_time(python_total * scale) + ' (scaled)':>22}"
          f" {fmt_time(per_python):>15} {f'{per_python / per_batch_py:,.0f}x':>17}")
    print(f"  batched time is the median of {args.repeats} run(s) of the whole set: "
          + ", ".join(f"{t:.2f} s" for t in totals))
    print(f"  the plain-Python speed-up compares the same {n_py} optimizers "
          f"(optmath batched: {fmt_time(per_batch_py)} per trajectory for those)")
    print()

    head = f"{'optimizer':<10} {'optmath batch':>14} {'per traj.':>10} {'torch loop/traj.':>17} {'speed-up':>9} {'Python loop/traj.':>18} {'speed-up':>9}"
    print(head)
    print("-" * len(head))
    for k in names:
        pb = batch_opt[k] / n
        pt = torch_opt[k] / sub
        py = f"{fmt_time(python_opt[k] / sub):>18} {f'{python_opt[k] / sub / pb:,.0f}x':>9}" if k in python_opt else f"{'-':>18} {'-':>9}"
        print(f"{k:<10} {fmt_time(batch_opt[k]):>14} {fmt_time(pb):>10} {fmt_time(pt):>17} {f'{pt / pb:,.0f}x':>9} {py}")
    print()

    # --- targets ----------------------------------------------------------------------
    full_size = (n, steps) == (DEFAULTS["starts"], DEFAULTS["steps"])
    note = "" if full_size else f"   [informational: targets are for {DEFAULTS['starts']:,} starts x {DEFAULTS['steps']} steps]"
    ratio = per_torch / per_batch
    print(f"{'PASS' if batch_total < TARGET_BATCH_SECONDS else 'MISS'}: optmath batched, {len(names)} optimizers x "
          f"{n:,} starts x {steps} steps in {batch_total:.3f} s, median of {args.repeats} "
          f"(target < {TARGET_BATCH_SECONDS:g} s){note}")
    print(f"{'PASS' if ratio >= TARGET_SPEEDUP_VS_TORCH else 'MISS'}: per trajectory {ratio:,.0f}x faster than the "
          f"torch.optim loop (target >= {TARGET_SPEEDUP_VS_TORCH:g}x){note}")
    return 0 if same_work else 1


if __name__ == "__main__":
    sys.exit(main())
