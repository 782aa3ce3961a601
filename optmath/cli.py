"""``python -m optmath``: trajectories and surface facts from the command line.

    python -m optmath run saddle adam --start 0.2 1e-8 --steps 100 --set lr=0.05 --format csv -o adam.csv
    python -m optmath analyse cubic
    python -m optmath list
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile

from optmath.analysis import critical_points, step_bounds
from optmath.export import FORMATS
from optmath.optimizers import OPTIMIZERS, defaults
from optmath.surfaces import SURFACES, get_surface
from optmath.trajectory import trajectory


def _parse_hyper(items: list[str]) -> dict:
    hyper = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {item!r} must look like name=value, e.g. lr=0.1 or betas=0.9,0.999")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            raise ValueError(f"--set {item!r}: {raw!r} is not a number, tuple or True/False") from None
        hyper[key] = value
    return hyper


def current_umask() -> int:
    """The process's umask, read from /proc rather than set and restored (``os.umask`` is a race in threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def normal_file_mode() -> int:
    """The mode any program's new file gets (0666 less the umask), not mkstemp's 0600, so a file
    written through a temporary name can be shared or served like the user's other files."""
    return 0o666 & ~current_umask()


def write_atomically(path: str, text: str) -> None:
    """Write beside the target and rename, so a failed run leaves no half file (normal file mode)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        os.fchmod(fd, normal_file_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _cmd_list(_args) -> None:
    print("surfaces:")
    for s in SURFACES.values():
        print(f"  {s.name:<14} {s.latex}")
    print("optimizers:")
    for name in OPTIMIZERS:
        print(f"  {name:<19} " + ", ".join(f"{k}={v}" for k, v in defaults(name).items()))


MAX_ROWS = 1_000_000  # a table of a million steps is ~150 MB of text: more is a typo, not a plot


def _cmd_run(args) -> None:
    if args.steps > MAX_ROWS:
        raise ValueError(f"--steps {args.steps} is more than optmath run writes; use 0 to {MAX_ROWS} "
                         "(or optmath.batch_trajectory in Python for longer runs)")
    traj = trajectory(args.surface, args.optimizer, tuple(args.start), args.steps, **_parse_hyper(args.set))
    text = FORMATS[args.format](traj)
    if args.output and args.output != "-":
        write_atomically(args.output, text)
        print(args.output)
    else:
        sys.stdout.write(text)


def _cmd_analyse(args) -> None:
    surf = get_surface(args.surface)
    print(f"{surf.name}: f = {surf.latex}   domain {surf.domain}")
    for c in critical_points(surf):
        line = f"  {c.kind:<10} ({c.xy[0]:.6g}, {c.xy[1]:.6g})  f = {c.value:.6g}  Hessian eigenvalues {c.eigenvalues[0]:.6g}, {c.eigenvalues[1]:.6g}"
        if c.kind == "min":
            b = step_bounds(surf, c.xy, momentum=args.momentum)
            line += (f"\n{'':13}stable lr: GD < {b.gd:.6g}, heavy ball (mu={b.momentum:g}) < {b.heavy_ball:.6g},"
                     f" Nesterov < {b.nesterov:.6g}; optimal GD lr {b.gd_optimal:.6g}")
        print(line)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m optmath", description="Optimizer trajectories on loss surfaces.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="surfaces and optimizers with their defaults").set_defaults(func=_cmd_list)
    run = sub.add_parser("run", help="one trajectory as a table, CSV or JSON")
    run.add_argument("surface")
    run.add_argument("optimizer")
    run.add_argument("--start", nargs=2, type=float, required=True, metavar=("X", "Y"))
    run.add_argument("--steps", type=int, default=100)
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a hyperparameter, e.g. lr=0.1")
    run.add_argument("--format", choices=sorted(FORMATS), default="table")
    run.add_argument("-o", "--output", help="file to write (default: standard output)")
    run.set_defaults(func=_cmd_run)
    ana = sub.add_parser("analyse", aliases=["analyze"], help="critical points and stable step sizes")
    ana.add_argument("surface")
    ana.add_argument("--momentum", type=float, default=0.9)
    ana.set_defaults(func=_cmd_analyse)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
