"""The npm tarball check shared by the talk decks' reveal.js and the studio's plotly.js."""

import io
import json
import tarfile

import pytest

from scenes import npm_assets


def _pack(path, name="demo", version="1.0.0", files=None):
    with tarfile.open(path, "w:gz") as tar:
        for inner, data in {"package.json": json.dumps({"name": name, "version": version}).encode(),
                            **(files or {})}.items():
            info = tarfile.TarInfo(f"package/{inner}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_checked_tarball_installs_whole_files(tmp_path):
    tgz = _pack(tmp_path / "demo-1.0.0.tgz", files={"dist/a.js": b"alert(1)"})
    dest = tmp_path / "out" / "a.js"
    npm_assets.install(tmp_path, "demo", "1.0.0", npm_assets.integrity(tgz), {dest: "dist/a.js"})
    assert dest.read_bytes() == b"alert(1)" and oct(dest.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in dest.parent.iterdir()] == ["a.js"]  # no temp file left


def test_a_tarball_that_is_not_the_registrys_is_refused(tmp_path):
    tgz = _pack(tmp_path / "demo-1.0.0.tgz", files={"a.js": b"x"})
    with pytest.raises(ValueError, match="integrity"):
        npm_assets.install(tgz, "demo", "1.0.0", "sha512-AAAA", {tmp_path / "a.js": "a.js"})
    other = _pack(tmp_path / "other.tgz", name="other", files={"a.js": b"x"})
    with pytest.raises(ValueError, match="holds other 1.0.0"):
        npm_assets.install(other, "demo", "1.0.0", npm_assets.integrity(other), {tmp_path / "a.js": "a.js"})
    assert not (tmp_path / "a.js").exists()
    with pytest.raises(FileNotFoundError, match="npm pack demo@2.0.0"):
        npm_assets.find_tarball(tmp_path, "demo", "2.0.0")
