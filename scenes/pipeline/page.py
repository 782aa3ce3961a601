"""The course page: ``out/course/index.html`` lists every video, clip and deck a build wrote.

Each with its duration, size, language, chapters, and links to its captions and
data; clips show their cover. It is one static file with relative links: it
opens from disk, offline, and moves with the folder.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from scenes.language import LANGS
from scenes.media import chapters, probe
from scenes.publish import publish_file


def _lang(path: Path) -> str:
    return next((lang for lang in LANGS if lang != "en" and path.stem.endswith(f"-{lang}")), "en")


def _size(path: Path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def _mmss(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


def _link(path: Path, text: str, page_dir: Path) -> str:
    return f'<a href="{html.escape(os.path.relpath(path, page_dir))}">{html.escape(text)}</a>'


def entry(path: Path, page_dir: Path) -> dict:
    """What the page says about one file (also what the tests read back)."""
    path = Path(path)
    kind = "deck" if path.suffix == ".html" else ("clip" if "-social-" in path.name else "video")
    out = {"file": path, "kind": kind, "lang": _lang(path), "size": _size(path), "links": []}
    if kind == "deck":
        if path.with_suffix(".pdf").exists():
            out["links"].append((path.with_suffix(".pdf"), "PDF"))
    else:
        info = probe(path)
        out["duration"] = _mmss(info.duration)
        out["resolution"] = f"{info.width}x{info.height}"
        out["chapters"] = [(_mmss(a), title) for a, _, title in chapters(path)]
        if path.with_suffix(".srt").exists():
            out["links"].append((path.with_suffix(".srt"), "captions (.srt)"))
        if path.with_suffix(".png").exists():
            out["cover"] = path.with_suffix(".png")
        for extra, text in ((".gif", "GIF"), (".webm", "WebM")):
            if path.with_suffix(extra).exists():
                out["links"].append((path.with_suffix(extra), text))
    data = path.with_name(path.stem + "-data")
    if data.is_dir():
        out["links"].append((data, "data (CSV, JSON)"))
        if (data / "claims.json").exists():
            out["links"].append((data / "claims.json", "claims checked"))
    return out


STYLE = """
body { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; background: #0b0e17; color: #e8eaf0;
       margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-weight: 600; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #333a4d; }
.grid { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.card { background: #151a28; border-radius: 8px; padding: 1rem; width: 32rem; }
.card.clip { width: 18rem; }
video { width: 100%; border-radius: 4px; background: #000; }
.meta { color: #a9b0c3; font-size: 0.9rem; margin: 0.4rem 0; }
a { color: #8cc4ff; margin-right: 0.8rem; } ol { margin: 0.3rem 0; padding-left: 1.4rem; font-size: 0.9rem; }
"""


def write(title: str, files: list[Path], out_dir: Path) -> Path:
    """The page for ``files`` (a build's main files), written atomically; returns its path."""
    page_dir = Path(out_dir) / "course"
    page_dir.mkdir(parents=True, exist_ok=True)
    entries = [entry(f, page_dir) for f in dict.fromkeys(Path(f) for f in files)]
    sections = {"video": "Lecture videos", "clip": "Social clips (9:16)", "deck": "Talk decks"}
    body = [f"<h1>{html.escape(title)}</h1>",
            f'<p class="meta">{len(entries)} files, made by <code>optviz build</code>. Everything here plays '
            "offline, from disk.</p>"]
    for kind, heading in sections.items():
        items = [e for e in entries if e["kind"] == kind]
        if not items:
            continue
        body.append(f"<h2>{heading}</h2><div class=\"grid\">")
        for e in items:
            rel = html.escape(os.path.relpath(e["file"], page_dir))
            lang = LANGS[e["lang"]]
            body.append(f'<div class="card {kind}" data-lang="{e["lang"]}">')
            body.append(f"<h3>{html.escape(e['file'].name)}</h3>")
            if kind == "deck":
                body.append(f'<p>{_link(e["file"], "open the deck", page_dir)}</p>')
                body.append(f'<p class="meta">{html.escape(lang)} · {e["size"]}</p>')
            else:
                poster = f' poster="{html.escape(os.path.relpath(e["cover"], page_dir))}"' if "cover" in e else ""
                body.append(f'<video controls preload="metadata" src="{rel}"{poster}></video>')
                body.append(f'<p class="meta">{html.escape(lang)} · {e["duration"]} · {e["resolution"]} · '
                            f'{e["size"]}</p>')
                if e["chapters"]:
                    body.append("<ol>" + "".join(f"<li>{html.escape(t)} ({a})</li>" for a, t in e["chapters"]) + "</ol>")
            body.append("<p>" + " ".join(_link(p, text, page_dir) for p, text in e["links"]) + "</p></div>")
        body.append("</div>")
    doc = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
           + "\n".join(body) + "\n</body></html>\n")
    index = page_dir / "index.html"
    tmp = page_dir / ".index.html.tmp"
    tmp.write_text(doc, encoding="utf-8")
    publish_file(tmp, index)
    tmp.unlink()
    return index
