"""Files from an npm package, for pages that must work offline (no Manim import: setup.sh runs its users).

The talk decks' reveal.js (``scenes.talk_assets``) and the studio's plotly.js (``scenes.studio.assets``)
come the same way: setup.sh runs ``npm pack <package>@<version>``, the tarball is checked against the
npm registry's ``dist.integrity`` (sha512: byte for byte the published package, which is also what the
CDNs serve), and the files a page needs are copied into the venv, each written whole or not at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import tarfile
import tempfile
from pathlib import Path


def integrity(path: Path) -> str:
    """npm's ``dist.integrity`` of a file: ``sha512-`` and the base64 digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(Path(path).read_bytes()).digest()).decode()


def find_tarball(where: Path, package: str, version: str) -> Path:
    """The `npm pack` tarball: ``where`` itself, or ``<package>-<version>.tgz`` inside it."""
    where = Path(where)
    if where.is_file():
        return where
    wanted = where / f"{package}-{version}.tgz"
    if not wanted.is_file():
        raise FileNotFoundError(f"{wanted} not found (run `npm pack {package}@{version}` there)")
    return wanted


def install(where: Path, package: str, version: str, expected: str, files: dict[Path, str]) -> None:
    """Check the tarball in ``where`` and copy each of its ``files`` (destination -> path inside the
    package) into place.

    Args:
        where: the tarball, or the folder `npm pack` wrote it into.
        package, version: what the tarball must hold (its package.json says).
        expected: the registry's ``dist.integrity`` of that version.
        files: destination path -> path inside the package (without the ``package/`` prefix).
    """
    tgz = find_tarball(where, package, version)
    if (got := integrity(tgz)) != expected:
        raise ValueError(f"{tgz}: integrity {got} is not the npm registry's {expected}")
    with tarfile.open(tgz, "r:gz") as tar:
        meta = json.load(tar.extractfile("package/package.json"))
        if meta.get("name") != package or meta.get("version") != version:
            raise ValueError(f"{tgz} holds {meta.get('name')} {meta.get('version')}, not {package} {version}")
        for dest, inner in files.items():
            data = tar.extractfile(f"package/{inner}").read()
            dest.parent.mkdir(parents=True, exist_ok=True)
            # write then rename, so an interrupted install never leaves a truncated file behind
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)


def main(argv: list[str], doc: str, version: str, missing, install) -> int:
    """The command line both asset modules share (setup.sh runs it):

        missing          prints what is missing; exit 1 if anything is
        version          the version to `npm pack`
        install DIR|TGZ  ``install(path)`` returns the line to print
    """
    if argv == ["version"]:
        print(version)
        return 0
    if argv == ["missing"]:
        gone = missing()
        print("\n".join(gone))
        return 1 if gone else 0
    if len(argv) == 2 and argv[0] == "install":
        print(install(Path(argv[1])))
        if gone := missing():
            print(f"still missing: {' '.join(gone)}", file=sys.stderr)
            return 1
        return 0
    print(doc, file=sys.stderr)
    return 2
