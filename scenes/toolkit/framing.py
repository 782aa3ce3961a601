"""Frame a 3D surface into a rectangle of the screen: the camera's zoom and centre for a view.

ThreeDCamera projects ``zoom * d/(d - z) * R (p - c)``; choosing the centre
``c`` so that the box's rotated centre lands on the slot's centre, and the
zoom so that its projected corners fit the slot, puts the surface where the
overlays are not, at any angle, without magic zoom numbers.
"""

from __future__ import annotations

import numpy as np
from manim.utils.space_ops import rotation_matrix

FOCAL_DISTANCE = 20.0  # ThreeDCamera's default


def camera_rotation(phi: float, theta: float, gamma: float = 0.0) -> np.ndarray:
    """ThreeDCamera.get_rotation_matrix for these angles (radians)."""
    rot = np.identity(3)
    for angle, axis in ((-theta - np.pi / 2, [0, 0, 1]), (-phi, [1, 0, 0]), (gamma, [0, 0, 1])):
        rot = rotation_matrix(angle, axis) @ rot
    return rot


def frame(corners: np.ndarray, phi: float, theta: float, slot_center, slot_size, focus=None,
          zoom_factor: float = 1.0, fill: float = 0.94, focal_distance: float = FOCAL_DISTANCE
          ) -> tuple[float, np.ndarray]:
    """(zoom, frame_center) that fit ``corners`` (scene points) into the slot.

    Args:
        corners: points that must be in view (the surface's bounding box).
        phi, theta: the view, radians.
        slot_center, slot_size: the slot on the frame, in frame units.
        focus: a scene point to put at the slot's centre instead of the box's centre (a fly-to).
        zoom_factor: times the fitting zoom (a close-up is > 1).
        fill: how much of the slot the box may take.
    """
    rot = camera_rotation(phi, theta)
    pts = np.asarray(corners, float)
    mid = pts.mean(axis=0)
    q = (pts - mid) @ rot.T
    factor = focal_distance / (focal_distance - q[:, 2])
    xy = q[:, :2] * factor[:, None]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    zoom = float(min(slot_size[0] / span[0], slot_size[1] / span[1]) * fill) * zoom_factor
    if focus is None:
        offset = (lo + hi) / 2  # the projected box's centre, relative to the box's middle point
        anchor = mid + rot.T @ np.array([offset[0], offset[1], 0.0])
    else:
        anchor = np.asarray(focus, float)
    shift = np.array([slot_center[0], slot_center[1], 0.0]) / zoom
    return zoom, anchor - rot.T @ shift
