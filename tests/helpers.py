"""Shared by the tests (not a test file): run optviz as a user would, and the file mode a user expects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def optviz(*args, env=None, timeout=1800) -> subprocess.CompletedProcess:
    """``optviz ARGS`` from the project's root, output captured."""
    return subprocess.run([sys.executable, "-m", "scenes.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env=env or os.environ.copy(), timeout=timeout)


def normal_mode() -> int:
    """The mode a new file gets under this process's umask (computed here, not by the code under test)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
