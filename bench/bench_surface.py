"""Benchmark: what Cairo alone needs to draw a segment's surface, at each quality.

Issue 20 asks every format at 1080p60 to finish within 2x the all-core encoder floor. That goal leaves a
budget of CPU for everything that is not the encode: on ``cores`` cores the wall ``2 x floor_all`` holds
``2 x floor_all x cores`` CPU-seconds, and x264 itself needs at least ``floor_1`` of them (its one-thread
time). The surface mesh has to be drawn again at every frame the camera moves (its faces change order and
shape), and Cairo rasterises each face's fill and outline. So the mesh's raster time is a lower bound on the
drawing, whatever the rest of the pipeline does: when it alone exceeds the budget, the goal needs a faster
rasteriser (or a different picture), not a faster pipeline.

This script measures that bound for one segment and format, in one run:

1. renders the scene silently at 480p15 with ``MeshCamera._draw_mesh`` wrapped to record each redraw's view
   (the projection: frame centre, rotation, focal distance, zoom; the mesh's state): every call is a redraw,
   since the camera's cache pastes unchanged frames without calling it;
2. replays those views with the project's own ``_draw_mesh`` (Cairo, the same calls a render makes) on a frame
   of 854x480 and of 1920x1080, timing each draw (CPU time of this process);
3. scales the count by frame rate (an animation's frames are its duration times the rate) and prints the
   surface's CPU-seconds at 480p15 and 1080p60;
4. with ``--video`` (the same segment and format rendered at 1080p60, e.g. kept by ``bench_floor.py -q h
   --keep``), measures that video's x264 floor in the same run (``bench_floor.encoder_floor``) and prints the
   goal's budget beside the surface's need.

Run from the repository root::

    .venv/bin/python bench/bench_surface.py                      # saddle lecture, ~3 min
    .venv/bin/python bench/bench_surface.py --video /tmp/bf/lecture-out/saddle-1080p60.mp4
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZES = {"480p15": (854, 480, 15), "1080p60": (1920, 1080, 60)}
FORMATS = ("lecture", "social", "talk")


def record(segment: str, fmt: str, out: Path) -> None:
    """Run in a child: render the scene at -ql with every mesh redraw's view recorded into ``out``."""
    import atexit

    from scenes.segments._manim import scene_name
    from scenes.toolkit import mesh as mesh_module

    views, meshes = [], {}
    original = mesh_module.MeshCamera._draw_mesh

    def recording(camera, ctx, mesh):
        key = (zlib.crc32(np.ascontiguousarray(mesh.points)), zlib.crc32(np.ascontiguousarray(mesh.face_rgb)),
               mesh.opacity, len(mesh.faces))
        if key not in meshes:
            meshes[key] = dict(points=mesh.points.copy(), faces=mesh.faces.copy(), counts=mesh.counts.copy(),
                               face_rgb=mesh.face_rgb.copy(), opacity=mesh.opacity, stroke_rgb=mesh.stroke_rgb,
                               stroke_width=mesh.stroke_width, stroke_opacity=mesh.stroke_opacity)
        views.append(dict(mesh=key, frame_center=np.array(camera.frame_center, float),
                          rotation=np.array(camera.get_rotation_matrix(), float),
                          focal=float(camera.get_focal_distance()), zoom=float(camera.get_zoom()),
                          frame=(camera.frame_width, camera.frame_height),
                          light=np.array(camera.light_source.points, float),
                          shading=bool(camera.should_apply_shading),
                          exponential=bool(camera.exponential_projection)))
        return original(camera, ctx, mesh)

    mesh_module.MeshCamera._draw_mesh = recording
    atexit.register(lambda: out.write_bytes(pickle.dumps({"views": views, "meshes": meshes})))
    file = ROOT / "scenes" / "segments" / f"{segment.replace('-', '_')}.py"
    sys.argv = ["manim", "render", "-ql", "--progress_bar", "none", "--disable_caching",
                "--media_dir", str(out.parent / "media"), str(file), scene_name(segment, fmt)]
    from manim.__main__ import main

    main()


def replay(recorded: dict, width: int, height: int, limit: int) -> tuple[float, int]:
    """Mean CPU ms of one mesh redraw at width x height over (up to ``limit``, evenly spaced) recorded views."""
    import cairo
    from manim import config

    from scenes.toolkit.mesh import MeshCamera, MeshSurface

    config.pixel_width, config.pixel_height = width, height
    views = recorded["views"]
    picks = views if len(views) <= limit else [views[i] for i in np.linspace(0, len(views) - 1, limit).astype(int)]
    meshes = {}
    for key, state in recorded["meshes"].items():
        m = MeshSurface.polygons(state["points"], state["faces"], state["counts"], state["face_rgb"],
                                 opacity=state["opacity"], stroke_rgb=state["stroke_rgb"],
                                 stroke_width=state["stroke_width"], stroke_opacity=state["stroke_opacity"])
        meshes[key] = m

    class Replay(MeshCamera):
        view: dict = {}

        def project_points(self, points):
            v = self.view
            pts = (points - v["frame_center"]) @ v["rotation"].T
            zs = pts[:, 2]
            if v["exponential"]:
                factor = np.exp(zs / v["focal"])
                lt0 = zs < 0
                factor[lt0] = v["focal"] / (v["focal"] - zs[lt0])
            else:
                factor = v["focal"] / (v["focal"] - zs)
                factor[(v["focal"] - zs) < 0] = 10**6
            pts[:, :2] *= (factor * v["zoom"])[:, None]
            return pts

    camera = Replay()
    pixels = np.zeros((height, width, 4), np.uint8)
    surface = cairo.ImageSurface.create_for_data(pixels, cairo.FORMAT_ARGB32, width, height)
    ctx = cairo.Context(surface)
    total = 0.0
    for view in picks:
        camera.view = view
        camera.frame_width, camera.frame_height = view["frame"]
        camera.should_apply_shading = view["shading"]
        camera.light_source.points = view["light"].copy()
        pixels[...] = (12, 16, 24, 255)  # a dark background, as the segments have
        ctx.set_matrix(cairo.Matrix(width / camera.frame_width, 0, 0, -(height / camera.frame_height),
                                    width / 2, height / 2))
        surface.mark_dirty()
        start = time.process_time()
        camera._draw_mesh(ctx, meshes[view["mesh"]])
        surface.flush()
        total += time.process_time() - start
    return total / len(picks) * 1000, len(picks)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segment", default="saddle")
    parser.add_argument("--format", default="lecture", choices=FORMATS)
    parser.add_argument("--sample", type=int, default=400, help="views replayed per size (evenly spaced)")
    parser.add_argument("--video", type=Path, help="this segment and format rendered at 1080p60: its floor is measured")
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args(argv)
    if args.record:
        record(args.segment, args.format, args.record)
        return 0
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench_surface-") as tmp:
        views = Path(tmp) / "views.pkl"
        env = {**os.environ, "OPTVIZ_VOICE": "none", "PYTHONPATH": str(ROOT)}
        print(f"recording {args.segment} ({args.format}) at 480p15, silent ...", flush=True)
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, __file__, "--segment", args.segment, "--format", args.format,
                        "--record", str(views)], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        recorded = pickle.loads(views.read_bytes())
        print(f"  {time.perf_counter() - start:.0f} s ({cpu:.0f} CPU-s, LaTeX included); {len(recorded['views'])} redraws of "
              f"{len(recorded['meshes'])} mesh state(s), "
              f"{max(len(m['faces']) for m in recorded['meshes'].values())} faces at most", flush=True)
    redraws = len(recorded["views"])
    rows = {}
    for name, (w, h, fps) in SIZES.items():
        ms, n = replay(recorded, w, h, args.sample)
        scaled = redraws * fps / 15
        rows[name] = (ms, scaled, ms * scaled / 1000)
        print(f"{name}: {ms:.1f} ms per redraw (CPU, {n} views replayed) x {scaled:.0f} redraws = "
              f"{ms * scaled / 1000:.0f} CPU-s for the surface alone", flush=True)
    if args.video:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_floor import encoder_floor  # a sibling script, not a package

        floor1, floor_all = encoder_floor(args.video, 1), encoder_floor(args.video, cores)
        budget = 2 * floor_all * cores - floor1
        need = rows["1080p60"][2]
        print(f"{args.video.name}: x264 floor {floor1:.0f} s on one thread, {floor_all:.0f} s on {cores}; the goal "
              f"(2x {floor_all:.0f} s of wall on {cores} cores) holds {2 * floor_all * cores:.0f} CPU-s, "
              f"{budget:.0f} after x264's own {floor1:.0f}: the surface alone needs {need:.0f} ({need / budget:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
