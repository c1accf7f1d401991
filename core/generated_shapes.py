"""The generated "shapes" data set: ten kinds of shape drawn as 32x32 colour pictures.

Owns: the class names (:data:`SHAPE_CLASSES`), the random parameters of each picture
(:func:`shape_params`), which points each shape covers in its own unit frame, and rendering
whole pictures with supersampled edges and noise (:func:`render_shapes`, :func:`draw_shapes`).
Plain numpy, fixed by the seed; it stands in for CIFAR-10 when there is no network. Turning
the pictures into a split, normalised :class:`~core.data.LoadedData` is core.data's job
(``load_dataset("shapes")``).
"""

from __future__ import annotations

import math

import numpy as np

from core.datasets import SHAPES_COUNT

SHAPES_SIZE = 32  # px, like CIFAR-10
SHAPE_CLASSES = ("circle", "ring", "square", "triangle", "diamond", "plus", "cross", "star", "heart", "crescent")

# The random stream of the shapes; core.data numbers its own streams 1, 2 and 4 around it, so
# that e.g. a smaller max_samples never changes the shapes drawn.
_STREAM_SHAPES = 3


def render_shapes(count: int = SHAPES_COUNT, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``count`` generated shape pictures, (N, 32, 32, 3) uint8, and labels (N,) int64.

    Classes are balanced (``count // 10`` each, the rest spread) and shuffled. Each picture
    has its own foreground and background colour (at least 0.3 apart in every channel),
    size, position, rotation (within +-15 degrees, so a square never turns into a diamond)
    and Gaussian noise. Fixed by ``seed``.
    """
    params = shape_params(count, seed)
    return draw_shapes(params, np.arange(count)), params["label"]


def shape_params(count: int, seed: int) -> dict[str, np.ndarray]:
    """Return what :func:`draw_shapes` needs for ``count`` pictures: one array per property, fixed by ``seed``."""
    rng = np.random.default_rng((seed, _STREAM_SHAPES))
    radius = rng.uniform(0.2, 0.42, count)  # of the picture's side
    fg = rng.uniform(0, 1, (count, 3))
    return {
        "label": rng.permutation(np.arange(count) % len(SHAPE_CLASSES)).astype(np.int64),
        "radius": radius,
        "cx": radius + rng.uniform(0, 1, count) * (1 - 2 * radius),  # fully inside the picture
        "cy": radius + rng.uniform(0, 1, count) * (1 - 2 * radius),
        "angle": np.deg2rad(rng.uniform(-15, 15, count)),
        "fg": fg,
        "bg": (fg + rng.uniform(0.3, 0.7, (count, 3))) % 1.0,  # 0.3..0.7 away in each channel
        "noise": rng.uniform(0, 0.08, count),  # std of the Gaussian noise, in [0, 1] units
        "seed": np.array(seed),  # for the noise, drawn chunk by chunk in draw_shapes
    }


def _shape_mask(label: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Return where shape ``label`` covers the points (u, v): unit coordinates, v pointing down."""
    r2 = u * u + v * v
    name = SHAPE_CLASSES[label]
    if name == "circle":
        return r2 <= 1
    if name == "ring":
        return (r2 <= 1) & (r2 >= 0.55**2)
    if name == "square":
        return np.maximum(np.abs(u), np.abs(v)) <= 0.8
    if name == "triangle":  # equilateral, corners on the unit circle, pointing up
        half = math.sqrt(3) / 2
        return (v <= 0.5) & (half * u - 0.5 * v <= 0.5) & (-half * u - 0.5 * v <= 0.5)
    if name == "diamond":  # taller than wide, so it is no rotated square
        return np.abs(u) / 0.6 + np.abs(v) <= 1
    if name in ("plus", "cross"):
        if name == "cross":  # a plus turned 45 degrees
            u, v = (u + v) / math.sqrt(2), (u - v) / math.sqrt(2)
        au, av = np.abs(u), np.abs(v)
        return ((au <= 0.3) & (av <= 0.95)) | ((av <= 0.3) & (au <= 0.95))
    if name == "star":  # five points: the radius goes from 0.42 between points to 1 at a point
        sector = 2 * math.pi / 5
        angle = np.arctan2(u, -v) % sector
        towards_point = np.abs(angle - sector / 2) / (sector / 2)  # 0 between points, 1 at one
        return np.sqrt(r2) <= 0.42 + 0.58 * towards_point
    if name == "heart":  # the implicit heart curve (x^2 + y^2 - 1)^3 = x^2 y^3
        x, y = u * 1.15, -v * 1.15 + 0.15
        return (x * x + y * y - 1) ** 3 - x * x * y**3 <= 0
    if name == "crescent":  # a disc with a bite taken out on the right
        return (r2 <= 1) & ((u - 0.45) ** 2 + v * v >= 0.8**2)
    raise ValueError(f"no drawing for shape {name!r}")


def draw_shapes(params: dict[str, np.ndarray], indices: np.ndarray, chunk: int = 500) -> np.ndarray:
    """Return the pictures ``indices`` (sorted) of ``params``: (n, 32, 32, 3) uint8, 2x2 supersampled edges.

    Works through the whole set in fixed chunks, each with its own noise stream, so a
    subset shows exactly the pictures that the full set has at those indices.
    """
    supersample = 2
    side = SHAPES_SIZE * supersample
    centres = (np.arange(side, dtype=np.float32) + 0.5) / side  # pixel centres in [0, 1]
    py, px = np.meshgrid(centres, centres, indexing="ij")  # (side, side)
    out = np.empty((len(indices), SHAPES_SIZE, SHAPES_SIZE, 3), dtype=np.uint8)
    done = 0
    for first in range(0, len(params["label"]), chunk):
        idx = indices[(indices >= first) & (indices < first + chunk)]
        if not len(idx):
            continue

        cx, cy, angle, radius = (
            params[name][idx].astype(np.float32)[:, None, None] for name in ("cx", "cy", "angle", "radius")
        )
        # Rotate by -angle about the centre and divide by the radius: the shape's own unit frame.
        dx, dy = px - cx, py - cy  # (n, side, side)
        cos, sin = np.cos(angle), np.sin(angle)
        u, v = (cos * dx + sin * dy) / radius, (cos * dy - sin * dx) / radius
        inside = np.zeros(u.shape, dtype=bool)
        labels = params["label"][idx]
        for label in np.unique(labels):
            rows = np.flatnonzero(labels == label)
            inside[rows] = _shape_mask(int(label), u[rows], v[rows])
        # (n, side, side) -> (n, 32, 32, 1): the share of each pixel the shape covers
        hits = inside.reshape(len(idx), SHAPES_SIZE, supersample, SHAPES_SIZE, supersample).sum(
            axis=(2, 4), dtype=np.uint8
        )
        cover = hits[..., None].astype(np.float32) / supersample**2
        fg = params["fg"][idx].astype(np.float32)[:, None, None, :]  # (n, 1, 1, 3)
        bg = params["bg"][idx].astype(np.float32)[:, None, None, :]
        picture = bg + cover * (fg - bg)  # (n, 32, 32, 3)
        noise_rng = np.random.default_rng((int(params["seed"]), _STREAM_SHAPES, first))
        noise = noise_rng.standard_normal((chunk, SHAPES_SIZE, SHAPES_SIZE, 3), dtype=np.float32)[idx - first]
        picture += noise * params["noise"][idx].astype(np.float32)[:, None, None, None]
        out[done : done + len(idx)] = np.clip(np.rint(picture * 255), 0, 255).astype(np.uint8)
        done += len(idx)
    return out
