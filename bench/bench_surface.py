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
   goal's budget beside the surface's need;
5. with ``--opengl``, replays the same views through OpenGL too (Mesa's llvmpipe via EGL, one thread, 4x
   multisampled, read back into memory): what a rasteriser other than Cairo costs on this CPU, and how far its
   picture is from Cairo's.

``--views FILE`` keeps the recorded views (or reuses them), so a second run skips the render.

Run from the repository root::

    .venv/bin/python bench/bench_surface.py                      # saddle lecture, ~3 min
    .venv/bin/python bench/bench_surface.py --opengl --video /tmp/bf/lecture-out/saddle-1080p60.mp4
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


def replay_camera():
    """A MeshCamera whose projection is the recorded view's (``camera.view``), not its trackers'."""
    from scenes.toolkit.mesh import MeshCamera

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

        def set_view(self, view):
            self.view = view
            self.frame_width, self.frame_height = view["frame"]
            self.should_apply_shading = view["shading"]
            self.light_source.points = view["light"].copy()

    return Replay()


def sample(views: list, limit: int) -> list:
    return views if len(views) <= limit else [views[i] for i in np.linspace(0, len(views) - 1, limit).astype(int)]


def meshes_of(recorded: dict) -> dict:
    from scenes.toolkit.mesh import MeshSurface

    return {key: MeshSurface.polygons(state["points"], state["faces"], state["counts"], state["face_rgb"],
                                      opacity=state["opacity"], stroke_rgb=state["stroke_rgb"],
                                      stroke_width=state["stroke_width"], stroke_opacity=state["stroke_opacity"])
            for key, state in recorded["meshes"].items()}


def replay(recorded: dict, width: int, height: int, limit: int) -> tuple[float, int, np.ndarray]:
    """Mean CPU ms of one mesh redraw at width x height over (up to ``limit``, evenly spaced) recorded views,
    and the last view's picture (RGB)."""
    import cairo
    from manim import config

    config.pixel_width, config.pixel_height = width, height
    picks, meshes = sample(recorded["views"], limit), meshes_of(recorded)
    camera = replay_camera()
    pixels = np.zeros((height, width, 4), np.uint8)
    surface = cairo.ImageSurface.create_for_data(pixels, cairo.FORMAT_ARGB32, width, height)
    ctx = cairo.Context(surface)
    total = 0.0
    for view in picks:
        camera.set_view(view)
        pixels[...] = (12, 16, 24, 255)  # a dark background, as the segments have
        ctx.set_matrix(cairo.Matrix(width / camera.frame_width, 0, 0, -(height / camera.frame_height),
                                    width / 2, height / 2))
        surface.mark_dirty()
        start = time.process_time()
        camera._draw_mesh(ctx, meshes[view["mesh"]])
        surface.flush()
        total += time.process_time() - start
    return total / len(picks) * 1000, len(picks), pixels[..., :3].copy()  # RGB: _draw_mesh swaps for Manim


GL_VERTEX = """#version 330
in vec2 pos; in vec4 col; out vec4 c;
void main() { gl_Position = vec4(pos, 0.0, 1.0); c = col; }"""
GL_FRAGMENT = """#version 330
in vec4 c; out vec4 f;
void main() { f = c; }"""


def replay_gl(recorded: dict, width: int, height: int, limit: int, samples: int = 4) -> tuple[float, int, np.ndarray]:
    """The same redraws through OpenGL (Mesa's llvmpipe on this GPU-less machine, via EGL, one thread): every
    face and then its outline as triangles in painter's order, in one draw call, 4x multisampled, read back
    into memory as Manim's frame would be. CPU ms per redraw, the count, and the last picture (RGB).

    Not the project's picture (outlines as quads, joints and antialiasing differ; the last picture is compared
    with Cairo's): what a rasteriser other than Cairo would cost on this CPU."""
    os.environ.setdefault("LP_NUM_THREADS", "1")  # a render job has one core
    import moderngl
    from manim import config

    config.pixel_width, config.pixel_height = width, height
    picks, meshes = sample(recorded["views"], limit), meshes_of(recorded)
    camera = replay_camera()
    gl = moderngl.create_standalone_context(backend="egl")
    program = gl.program(vertex_shader=GL_VERTEX, fragment_shader=GL_FRAGMENT)
    msaa = gl.framebuffer(color_attachments=[gl.renderbuffer((width, height), 4, samples=samples)])
    resolved = gl.framebuffer(color_attachments=[gl.renderbuffer((width, height), 4)])
    gl.enable(moderngl.BLEND)
    gl.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
    out = np.empty((height, width, 4), np.uint8)
    buffer, vao, total = None, None, 0.0
    for view in picks:
        camera.set_view(view)
        mesh = meshes[view["mesh"]]
        start = time.process_time()
        faces, counts = mesh.faces, mesh.counts
        world, proj = mesh.points[faces], camera.project_points(mesh.points)[faces]
        valid = np.arange(faces.shape[1])[None, :] < counts[:, None]
        depth = np.where(valid, proj[..., 2], 0.0).sum(axis=1) / counts
        rgb = mesh.face_rgb.reshape(-1, 3)
        if camera.should_apply_shading:
            rgb = camera._shade(world, counts, rgb)
        order = np.argsort(depth, kind="stable")
        xy = proj[order][..., :2] * (2 / camera.frame_width, 2 / camera.frame_height)  # to GL's -1..1
        n, k = xy.shape[:2]
        fan = xy[:, np.array([(0, i, i + 1) for i in range(1, k - 1)])].reshape(n, -1, 2)
        a, b = xy, np.roll(xy, -1, axis=1)  # each edge, the closing one included (padding repeats: length 0)
        px = np.array([width / 2, height / 2])
        d = (b - a) * px
        normal = np.stack([-d[..., 1], d[..., 0]], -1) / (np.linalg.norm(d, axis=-1, keepdims=True) + 1e-9)
        half = normal * (mesh.stroke_width * camera.cairo_line_width_multiple * height / camera.frame_height / 2) / px
        quads = np.stack([a + half, a - half, b + half, b + half, a - half, b - half], 2).reshape(n, -1, 2)
        fill = np.concatenate([np.clip(rgb[order], 0, 1), np.full((n, 1), mesh.opacity)], 1)
        stroke = np.array([*mesh.stroke_rgb, mesh.stroke_opacity * mesh.opacity])
        vertices = np.concatenate([
            np.concatenate([fan, np.broadcast_to(fill[:, None], fan.shape[:2] + (4,))], -1),
            np.concatenate([quads, np.broadcast_to(stroke, quads.shape[:2] + (4,))], -1)], 1).astype("f4")
        if buffer is None or buffer.size != vertices.nbytes:
            buffer = gl.buffer(reserve=vertices.nbytes)
            vao = gl.vertex_array(program, [(buffer, "2f 4f", "pos", "col")])
        buffer.write(vertices.tobytes())
        msaa.use()
        msaa.clear(12 / 255, 16 / 255, 24 / 255, 1.0)
        vao.render(moderngl.TRIANGLES)
        gl.copy_framebuffer(resolved, msaa)
        resolved.read_into(out, components=4)
        total += time.process_time() - start
    return total / len(picks) * 1000, len(picks), out[::-1, :, :3].copy()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    from scenes.segments import SEGMENTS

    parser.add_argument("--segment", default="saddle", choices=list(SEGMENTS))
    parser.add_argument("--format", default="lecture", choices=FORMATS)
    parser.add_argument("--sample", type=int, default=400, help="views replayed per size (evenly spaced)")
    parser.add_argument("--video", type=Path, help="this segment and format rendered at 1080p60: its floor is measured")
    parser.add_argument("--opengl", action="store_true", help="also replay through OpenGL (llvmpipe via EGL)")
    parser.add_argument("--views", type=Path, help="keep the recorded views in this file, or reuse it if it exists")
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args(argv)
    if args.record:
        record(args.segment, args.format, args.record)
        return 0
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench_surface-") as tmp:
        views = args.views or Path(tmp) / "views.pkl"
        if not views.exists():
            env = {**os.environ, "OPTVIZ_VOICE": "none", "PYTHONPATH": str(ROOT)}
            print(f"recording {args.segment} ({args.format}) at 480p15, silent ...", flush=True)
            start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([sys.executable, __file__, "--segment", args.segment, "--format", args.format,
                            "--record", str(views)], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            print(f"  {time.perf_counter() - start:.0f} s ({cpu:.0f} CPU-s, LaTeX included)", flush=True)
        recorded = pickle.loads(views.read_bytes())
        print(f"{len(recorded['views'])} redraws of {len(recorded['meshes'])} mesh state(s), "
              f"{max(len(m['faces']) for m in recorded['meshes'].values())} faces at most", flush=True)
    redraws = len(recorded["views"])
    rows = {}
    for name, (w, h, fps) in SIZES.items():
        ms, n, cairo_picture = replay(recorded, w, h, args.sample)
        scaled = redraws * fps / 15
        rows[name] = (ms, scaled, ms * scaled / 1000)
        print(f"{name}: {ms:.1f} ms per redraw (CPU, {n} views replayed) x {scaled:.0f} redraws = "
              f"{ms * scaled / 1000:.0f} CPU-s for the surface alone", flush=True)
        if args.opengl:
            ms, n, gl_picture = replay_gl(recorded, w, h, args.sample)
            diff = np.abs(gl_picture.astype(int) - cairo_picture.astype(int)).max(-1)
            print(f"  OpenGL (llvmpipe, 1 thread, 4x MSAA, read back): {ms:.1f} ms per redraw = "
                  f"{ms * scaled / 1000:.0f} CPU-s; its last picture against Cairo's: largest difference {diff.max()}, "
                  f"{np.mean(diff > 8):.1%} of pixels above 8 levels", flush=True)
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
