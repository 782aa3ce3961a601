"""Camera choreography for ThreeDScenes: orbit, fly to a point of interest, top-down and back.

Each helper takes ``added_anims`` so the racers keep moving while the camera
does, the way the narration wants it.
"""

from __future__ import annotations

from manim import DEGREES, ORIGIN, RIGHT, ThreeDScene

from scenes.toolkit.surface import DEFAULT_PHI, DEFAULT_THETA, DEFAULT_ZOOM


def orbit(scene: ThreeDScene, degrees: float, run_time: float = 4.0, added_anims=()) -> None:
    """Swing around the vertical axis by ``degrees``."""
    scene.move_camera(theta=scene.camera.get_theta() + degrees * DEGREES, run_time=run_time,
                      added_anims=list(added_anims))


def fly_to(scene: ThreeDScene, point, zoom: float = 1.8, phi: float | None = None, run_time: float = 3.0,
           added_anims=()) -> None:
    """Centre and zoom on a scene point (the saddle point, a minimum)."""
    scene.move_camera(frame_center=point, zoom=zoom, phi=phi, run_time=run_time, added_anims=list(added_anims))


def top_down(scene: ThreeDScene, run_time: float = 3.0, zoom: float = DEFAULT_ZOOM * 0.75, room_right: float = 0.0,
             added_anims=()) -> None:
    """Look straight down: the contour-map view the matplotlib seeds use.

    ``room_right`` (scene units) moves the map left, to leave the right side to a panel.
    """
    scene.move_camera(phi=0.0, theta=-90 * DEGREES, frame_center=RIGHT * room_right / zoom, zoom=zoom,
                      run_time=run_time, added_anims=list(added_anims))


def home(scene: ThreeDScene, run_time: float = 3.0, added_anims=()) -> None:
    """Back to the segment's own three-quarter view (``scene.view``, else the default)."""
    view = getattr(scene, "view", {})
    scene.move_camera(phi=view.get("phi", DEFAULT_PHI), theta=view.get("theta", DEFAULT_THETA), frame_center=ORIGIN,
                      zoom=view.get("zoom", DEFAULT_ZOOM), run_time=run_time, added_anims=list(added_anims))
