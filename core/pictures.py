"""Pictures made of numbers, as uint8 arrays ready for ``st.image``: sample grids, kernels, feature maps, Grad-CAM.

Each tile is enlarged by repeating pixels, never smoothed, so an 8x8 digit or a 5x5 kernel stays
crisp. The plotly figures are :mod:`core.figures`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

# diverging colours of feature maps: blue below 0, near-white at 0, red above (ColorBrewer RdBu)
_NEGATIVE, _ZERO, _POSITIVE = (33, 102, 172), (247, 247, 247), (178, 24, 43)
TILE_BORDER = 160  # grey frame around each feature map, so a near-zero (white) map stays visible
# Grad-CAM colours from no evidence to the most (a "jet"-like ramp): blue, cyan, green, yellow, red
_CAM_STOPS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
_CAM_COLOURS = np.array([(0, 0, 143), (0, 160, 255), (80, 220, 80), (255, 220, 0), (200, 0, 0)], dtype=np.float64)


def image_grid(tiles: Sequence[np.ndarray], n_cols: int, *, scale: int = 1, gap_px: int = 2) -> np.ndarray:
    """Return equal-sized (H, W) or (H, W, 3) uint8 tiles laid out row by row as one uint8 picture.

    Each tile is enlarged ``scale`` times by repeating pixels (no smoothing, so an 8x8 digit or a
    5x5 kernel stays crisp); tiles are separated by ``gap_px`` white pixels.
    """
    tiles = [np.repeat(np.repeat(np.asarray(t, dtype=np.uint8), scale, axis=0), scale, axis=1) for t in tiles]
    h, w = tiles[0].shape[:2]
    channels = tiles[0].shape[2:]  # () for gray, (3,) for colour
    n_rows = -(-len(tiles) // n_cols)
    grid = np.full((n_rows * (h + gap_px) - gap_px, n_cols * (w + gap_px) - gap_px, *channels), 255, np.uint8)
    for i, tile in enumerate(tiles):
        top, left = (i // n_cols) * (h + gap_px), (i % n_cols) * (w + gap_px)
        grid[top : top + h, left : left + w] = tile
    return grid


def _to_tile(unit: np.ndarray) -> np.ndarray:
    """Return a (C, H, W) picture with values in [0, 1] as an (H, W) or (H, W, 3) uint8 tile."""
    pixels = (np.clip(unit, 0, 1) * 255).round().astype(np.uint8)
    return pixels[0] if pixels.shape[0] == 1 else pixels[:3].transpose(1, 2, 0)


def class_samples_grid(
    x: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    *,
    mean: Sequence[float],
    std: Sequence[float],
    per_class: int = 8,
    scale: int = 2,
) -> np.ndarray:
    """Return the first ``per_class`` images of each class, one row per class, as one uint8 picture.

    ``x`` is normalised model input (N, C, H, W); ``mean`` and ``std`` undo the normalisation, so
    the pictures look as they did before it. A class with fewer images leaves its row's end white.
    """
    x = np.asarray(x, dtype=np.float32)
    unit = x * np.asarray(std, np.float32)[:, None, None] + np.asarray(mean, np.float32)[:, None, None]
    blank = np.ones_like(unit[0])
    tiles = []
    for c in range(n_classes):
        members = np.flatnonzero(np.asarray(labels) == c)[:per_class]
        tiles += [_to_tile(unit[i]) for i in members] + [_to_tile(blank)] * (per_class - len(members))
    return image_grid(tiles, per_class, scale=scale)


def pictures_grid(unit: np.ndarray, *, n_cols: int = 8, scale: int = 2) -> np.ndarray:
    """Return pictures (N, C, H, W) with values in [0, 1] as one uint8 picture, in order, ``n_cols`` a row."""
    return image_grid([_to_tile(u) for u in np.asarray(unit, dtype=np.float32)], min(n_cols, len(unit)), scale=scale)


def marked_pixel(picture: np.ndarray, row: int, col: int, *, target_px: int = 160) -> np.ndarray:
    """Return a uint8 picture (H, W) or (H, W, 3) enlarged to about ``target_px``, pixel (row, col) framed in red."""
    rgb = np.asarray(picture, dtype=np.uint8)
    rgb = np.repeat(rgb[..., None], 3, axis=-1) if rgb.ndim == 2 else rgb[..., :3]
    scale = max(3, target_px // max(rgb.shape[:2]))
    big = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    top, left = row * scale, col * scale
    frame = (228, 87, 46)  # the convolution page's window colour
    big[top : top + scale, [left, left + scale - 1]] = frame
    big[[top, top + scale - 1], left : left + scale] = frame
    return big


def filters_grid(values: Sequence, *, n_cols: int = 8, tile_px: int = 40) -> np.ndarray:
    """Return first-layer kernels (out, in, kH, kW) as one picture, each kernel scaled to its own range.

    A kernel with 3 input channels is shown in colour (R, G, B = its three slices), any other as the
    mean over its input channels in gray: bright = large weight, dark = small (or negative).
    """
    weights = np.asarray(values, dtype=np.float32)  # (out, in, kH, kW)
    if weights.shape[1] != 3:
        weights = weights.mean(axis=1, keepdims=True)  # (out, 1, kH, kW)
    low = weights.min(axis=(1, 2, 3), keepdims=True)
    span = weights.max(axis=(1, 2, 3), keepdims=True) - low
    unit = (weights - low) / np.where(span > 0, span, 1)
    scale = max(1, tile_px // max(weights.shape[2:]))
    return image_grid([_to_tile(k) for k in unit], min(n_cols, len(unit)), scale=scale)


def _diverging(values: np.ndarray) -> np.ndarray:
    """Return values in [-1, 1] as RGB uint8 (…, 3): blue at -1, near-white at 0, red at 1."""
    stops = np.array([-1.0, 0.0, 1.0])
    colours = np.array([_NEGATIVE, _ZERO, _POSITIVE], dtype=np.float64)
    rgb = [np.interp(values, stops, colours[:, i]) for i in range(3)]
    return np.stack(rgb, axis=-1).round().astype(np.uint8)


def feature_maps_grid(maps: np.ndarray, *, n_cols: int = 8, tile_px: int = 84) -> np.ndarray:
    """Return one layer's feature maps (C, H, W) as one RGB picture, a framed tile per channel.

    All channels share one scale, ± the largest |value| of the layer, so a weak channel looks
    weak next to a strong one: red is a positive response, blue a negative one, white none.
    """
    maps = np.asarray(maps, dtype=np.float64)
    peak = float(np.abs(maps).max()) or 1.0
    scale = max(1, tile_px // max(maps.shape[1:]))
    tiles = []
    for channel in maps:
        tile = np.repeat(np.repeat(_diverging(channel / peak), scale, axis=0), scale, axis=1)
        tiles.append(np.pad(tile, ((1, 1), (1, 1), (0, 0)), constant_values=TILE_BORDER))  # (h+2, w+2, 3)
    return image_grid(tiles, min(n_cols, len(tiles)), gap_px=4)


def grad_cam_overlay(picture: np.ndarray, cam: np.ndarray, *, alpha: float = 0.5, scale: int = 1) -> np.ndarray:
    """Return a class-activation map laid over the picture the model saw, as RGB uint8.

    ``picture`` is (H, W) or (H, W, 3) uint8 and ``cam`` (H, W) in [0, 1], as core.inference.grad_cam
    returns it; each is enlarged ``scale`` times (pixels repeated). Blue is no evidence for the class,
    red the most; ``alpha`` is how much of the colour covers the picture.
    """
    pixels = np.asarray(picture, dtype=np.float64)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=-1)  # (H, W) -> (H, W, 3)
    cam = np.clip(np.asarray(cam, dtype=np.float64), 0, 1)
    heat = np.stack([np.interp(cam, _CAM_STOPS, _CAM_COLOURS[:, i]) for i in range(3)], axis=-1)  # (H, W, 3)
    blended = ((1 - alpha) * pixels[..., :3] + alpha * heat).round().astype(np.uint8)
    return np.repeat(np.repeat(blended, scale, axis=0), scale, axis=1)


def png_base64(picture: Image.Image) -> str:
    """Return a picture as a base64 PNG, ready for ``st.image`` or an ``<img>`` data URL."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def enlarged(picture: Image.Image, target_px: int) -> np.ndarray:
    """Return a small picture enlarged to about ``target_px`` by repeating pixels (a 32 x 32 input stays crisp)."""
    scale = max(1, target_px // max(picture.size))
    return image_grid([np.asarray(picture)], 1, scale=scale)
