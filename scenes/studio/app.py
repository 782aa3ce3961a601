"""The studio's web application (Starlette): the page, its plotting library, and a small JSON API.

    GET  /                      the page (static/index.html), its script and style under /static/
    GET  /vendor/plotly.min.js  plotly.js from the venv (setup.sh put it there from npm; never a CDN)
    GET  /api/meta              surfaces, optimizers with their hyperparameters and ranges, schedules, ...
    GET  /api/shot              the shot the studio opened with (a file, or the template of optviz new)
    POST /api/compute           {seq, shot, swarm?} -> paths, fates, placeholders (seq echoed: the page
                                drops an answer older than the last one it drew)
    POST /api/save              {shot, path} -> the shot file written (same schema as optviz new)
    POST /api/load              {path} or {text} -> the shot document it holds
    POST /api/render            {shot, name, format, lang, quality, voice, short} -> a queued job
    GET  /api/render/{id}       the job's state and lines;  /events: the same as Server-Sent Events
    GET  /out/...               the rendered files

Every shot goes through ``shots.schema`` (``compute.check``); a refusal is a 4xx whose ``error`` is the
schema's one line, shown beside the input it names. Requests are bounded (body size, steps, paths,
swarm), paths given to save and load stay inside the studio's folder, and the Host header must be a
loopback name (a web page elsewhere cannot reach the server through DNS rebinding).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import tempfile
import tomllib
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from scenes.studio import assets, compute
from scenes.studio.compute import StudioError
from scenes.studio.render_queue import RenderQueue

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATE = Path(__file__).resolve().parents[2] / "shots" / "template.toml"
MAX_BODY = 256 * 1024  # bytes of one request: six optimizers and their cues fit many times over
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,60}")
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "testserver"]  # testserver: Starlette's TestClient
SAVED_BY = "# written by optviz studio; render with: optviz render THIS_FILE [--format social|talk]"


def _bad(message: str, field: str | None = None, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message, "field": field, "position": None}, status_code=status)


async def _body(request: Request) -> dict:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise StudioError(f"the request is {len(raw)} bytes; at most {MAX_BODY} are accepted", "request")
    try:
        doc = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StudioError(f"the request is not JSON ({exc.msg if hasattr(exc, 'msg') else exc})", "request") from None
    if not isinstance(doc, dict):
        raise StudioError("the request must be a JSON object", "request")
    return doc


def _choice(body: dict, key: str, choices, default=None) -> str:
    value = body.get(key, default)
    if value not in choices:
        raise StudioError(f"{key} = {value!r} is not one of: {', '.join(choices)}", key)
    return value


def to_toml(doc: dict) -> str:
    """The shot document as a shot file, written by ``shots.race.to_toml`` (the writer of optviz race --save)."""
    from shots.race import to_toml as race_toml

    text = race_toml(doc)
    return SAVED_BY + text[text.index("\n"):]


def write_atomically(path: Path, text: str) -> None:
    """Write beside the file, then rename: a save never leaves half a shot file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Studio:
    """One studio: its folder (where shot files are saved and loaded), its first shot and its render queue."""

    def __init__(self, root: Path, shot_path: Path | None = None, out_dir: Path = Path("out"),
                 media_dir: Path = Path("media")):
        self.root = Path(root).resolve()
        self.out_dir = (self.root / out_dir).resolve()
        self.media_dir = (self.root / media_dir).resolve()
        self.shot_path = shot_path
        self.renders = RenderQueue(self.out_dir, self.media_dir)
        self.closing = False  # set on Ctrl-C (scenes.studio.server): open progress streams end

    def inside(self, raw, what: str, suffix: str = ".toml") -> Path:
        if not isinstance(raw, str) or not raw.strip():
            raise StudioError(f"{what} = {raw!r} must be a file name such as my_shot{suffix}", "path")
        path = (self.root / raw).resolve()
        if path.suffix != suffix:
            raise StudioError(f"{what} = {raw!r}: a shot file ends in {suffix}", "path")
        if not path.is_relative_to(self.root):
            raise StudioError(f"{what} = {raw!r} is outside the studio's folder {self.root}", "path")
        return path

    def first_shot(self) -> dict:
        path = self.shot_path or TEMPLATE
        text = path.read_text(encoding="utf-8")
        compute.check(tomllib.loads(text))
        name = path.stem if self.shot_path else "my_shot"
        rel = os.path.relpath(path, self.root) if self.shot_path else f"{name}.toml"
        return {"shot": tomllib.loads(text), "name": name, "path": rel}

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        """A stopped studio ends the render it started (and drops the queue)."""
        yield
        await asyncio.to_thread(self.renders.stop)

    # -- routes -------------------------------------------------------------------------------------------
    async def meta(self, request: Request):
        return JSONResponse(compute.meta())

    async def shot(self, request: Request):
        return JSONResponse(self.first_shot())

    async def compute(self, request: Request):
        body = await _body(request)
        swarm = body.get("swarm")
        result = await asyncio.to_thread(compute.compute, body.get("shot"), swarm)
        result["seq"] = body.get("seq")
        return JSONResponse(result)

    async def save(self, request: Request):
        body = await _body(request)
        path = self.inside(body.get("path"), "path")
        shot = body.get("shot")
        compute.check(shot)
        text = to_toml(shot)
        from shots.schema import ShotError, loads

        try:
            loads(text, path.name, name=path.stem)  # what is written reads back: never a file optviz refuses
        except ShotError as exc:
            raise StudioError(str(exc)) from None
        if not path.parent.is_dir():
            raise StudioError(f"path = {body.get('path')!r}: the folder {path.parent} does not exist", "path")
        write_atomically(path, text)
        return JSONResponse({"path": str(path), "toml": text})

    async def load(self, request: Request):
        body = await _body(request)
        from shots.schema import ShotError, loads

        if "text" in body:
            text, name = body["text"], body.get("name", "shot.toml")
            if not isinstance(text, str):
                raise StudioError("text must be the shot file's text", "path")
            path = None
        else:
            path = self.inside(body.get("path"), "path")
            if not path.is_file():
                raise StudioError(f"path = {body.get('path')!r}: no such file in {self.root}", "path")
            text, name = path.read_text(encoding="utf-8", errors="replace"), path.name
        try:
            loads(text, str(name), name=Path(str(name)).stem)
        except ShotError as exc:
            raise StudioError(str(exc), compute._field_of(str(exc))) from None
        stem = Path(str(name)).stem
        return JSONResponse({"shot": tomllib.loads(text), "name": stem if NAME.fullmatch(stem) else "my_shot",
                             "path": os.path.relpath(path, self.root) if path else str(name)})

    async def render(self, request: Request):
        from scenes.description import FORMATS
        from scenes.language import LANGS
        from scenes.pipeline.jobs import QUALITIES
        from scenes.settings import VOICES

        body = await _body(request)
        name = body.get("name", "my_shot")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise StudioError(f"name = {name!r}: letters, digits, - and _ only (it names the output files)", "name")
        fmt = _choice(body, "format", FORMATS, "lecture")
        lang = _choice(body, "lang", LANGS, "en")
        quality = _choice(body, "quality", QUALITIES, "l")
        voice = body.get("voice")
        if voice is not None:
            _choice(body, "voice", VOICES)
        short = body.get("short", False)
        if not isinstance(short, bool):
            raise StudioError(f"short = {short!r} must be true or false", "short")
        shot = body.get("shot")
        compute.check(shot, name)
        folder = self.media_dir / "studio"
        folder.mkdir(parents=True, exist_ok=True)
        shot_file = folder / f"{name}.toml"
        write_atomically(shot_file, to_toml(shot))
        options = ["-f", fmt, "-q", quality, "--lang", lang] + (["--voice", voice] if voice else []) \
            + (["--short"] if short else [])
        try:
            job = self.renders.submit(name, shot_file, options)
        except OverflowError as exc:
            return _bad(str(exc), "render", 429)
        return JSONResponse(self.job_json(job), status_code=202)

    def job_json(self, job, since: int = 0) -> dict:
        def link(p: Path) -> str:
            return "/out/" + "/".join(p.relative_to(self.out_dir).parts)

        return {"id": job.id, "state": job.state, "position": self.renders.position(job),
                "lines": job.lines[since:], "line_count": len(job.lines),
                "product": link(job.product) if job.product else None,
                "files": [{"name": p.name, "url": link(p) + ("/" if p.is_dir() else "")} for p in job.files]}

    def _job(self, request: Request):
        job = self.renders.jobs.get(request.path_params["id"])
        if job is None:
            raise StudioError(f"no render {request.path_params['id']}", "render")
        return job

    async def job(self, request: Request):
        return JSONResponse(self.job_json(self._job(request)))

    async def events(self, request: Request):
        job = self._job(request)

        async def stream():
            sent, state = 0, None
            while True:
                if self.closing or await request.is_disconnected():
                    return
                if len(job.lines) > sent or job.state != state:
                    doc = self.job_json(job, since=sent)
                    sent, state = doc["line_count"], job.state
                    yield f"data: {json.dumps(doc)}\n\n"
                    if state in ("done", "failed"):
                        return
                await asyncio.sleep(0.25)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    async def plotly(self, request: Request):
        if assets.missing_assets():
            return PlainTextResponse(f"plotly.js {assets.PLOTLY_VERSION} is missing from {assets.ASSET_DIR}: run "
                                     "./setup.sh", status_code=503)
        return FileResponse(assets.PLOTLY_FILE, media_type="text/javascript")

    async def index(self, request: Request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def _studio_error(request: Request, exc: StudioError):
    return JSONResponse(exc.as_json(), status_code=400)


def create_app(studio: Studio) -> Starlette:
    self = studio
    self.out_dir.mkdir(parents=True, exist_ok=True)
    routes = [
        Route("/", self.index),
        Route("/api/meta", self.meta),
        Route("/api/shot", self.shot),
        Route("/api/compute", self.compute, methods=["POST"]),
        Route("/api/save", self.save, methods=["POST"]),
        Route("/api/load", self.load, methods=["POST"]),
        Route("/api/render", self.render, methods=["POST"]),
        Route("/api/render/{id:int}", self.job),
        Route("/api/render/{id:int}/events", self.events),
        Route("/vendor/plotly.min.js", self.plotly),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Mount("/out", StaticFiles(directory=self.out_dir, html=True, check_dir=False), name="out"),
    ]
    app = Starlette(routes=routes, exception_handlers={StudioError: _studio_error},
                    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS)],
                    lifespan=self.lifespan, max_body_size=MAX_BODY)
    app.state.studio = studio
    return app
