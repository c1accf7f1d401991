"""Preprocessing: the one description of "picture -> model input" (and of a table's standardisation).

Training makes its inputs with it, every model saves it in its ``model.json``, and prediction
reuses it, so a student's picture takes exactly the path the training pictures took.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from core.i18n import Message, UserError
from core.images import to_gray, to_rgb

# Image preprocessing modes. Both interpolate bilinearly with antialiasing (what torchvision's
# Resize does), so shrinking a photo averages its pixels instead of skipping them.
RESIZE_MODES = (
    "bilinear",  # stretch to (H, W); the aspect ratio is not kept (torchvision Resize((H, W)))
    "bilinear_center_crop",  # scale so the image covers (H, W), keep the aspect, crop the centre
)


@dataclass(frozen=True)
class Preprocessing:
    """How a picture becomes the model's input; saved with each model and reused to predict.

    In order: colour conversion to ``mode``, pixels to [0, 1], ``invert`` (x -> 1 - x), resize
    to ``size`` (or, with ``fit_ink``, :func:`fit_ink`: the ink found, fitted into a box and
    centred by its mass, as MNIST was made), then ``Normalize(mean, std)`` per channel: (x - mean) / std.
    """

    mode: str  # "L" (one channel: Pillow's ITU-R 601-2 luma) or "RGB" (three channels)
    size: tuple[int, int]  # (H, W) of the model input, px
    resize: str  # one of RESIZE_MODES
    mean: tuple[float, ...]  # per channel, of the training split's [0, 1] pixels after resizing
    std: tuple[float, ...]  # per channel, same pixels; a constant channel gets 1.0 (only centred)
    invert: bool = False  # the source images are dark ink on light paper; the model sees bright ink
    fit_ink: bool = False  # one-channel only: find the ink, fit it into the box, centre it (see fit_ink)
    # with fit_ink: the least and most of a training input that is ink (pixels above 0.5), to tell a
    # picture unlike any the model learned from (see ink_share); None for models saved before it
    ink_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        channels = {"L": 1, "RGB": 3}.get(self.mode)
        if channels is None:
            raise _invalid_preprocessing("mode", self.mode, "L, RGB")
        if len(self.size) != 2 or not all(isinstance(s, int) and s > 0 for s in self.size):
            raise _invalid_preprocessing("size", self.size, "(H, W), positive whole numbers")
        if self.resize not in RESIZE_MODES:
            raise _invalid_preprocessing("resize", self.resize, ", ".join(RESIZE_MODES))
        if len(self.mean) != channels or not all(math.isfinite(m) for m in self.mean):
            raise _invalid_preprocessing("mean", self.mean, f"{channels} finite numbers")
        if len(self.std) != channels or not all(math.isfinite(s) and s > 0 for s in self.std):
            raise _invalid_preprocessing("std", self.std, f"{channels} positive numbers")
        if self.fit_ink and self.mode != "L":
            raise _invalid_preprocessing("fit_ink", self.fit_ink, "False for mode RGB")
        if self.ink_range is not None and not (
            len(self.ink_range) == 2 and 0 <= self.ink_range[0] <= self.ink_range[1] <= 1
        ):  # NaN fails every comparison
            raise _invalid_preprocessing("ink_range", self.ink_range, "(low, high) with 0 <= low <= high <= 1")

    @property
    def channels(self) -> int:
        return len(self.mean)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict; :meth:`from_dict` reads it back."""
        return {
            "mode": self.mode,
            "size": list(self.size),
            "resize": self.resize,
            "mean": list(self.mean),
            "std": list(self.std),
            "invert": self.invert,
            "fit_ink": self.fit_ink,
            "ink_range": list(self.ink_range) if self.ink_range else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Preprocessing:
        """Return the preprocessing saved by :meth:`to_dict`; a damaged dict raises UserError."""
        try:
            return cls(
                mode=str(data["mode"]),
                size=tuple(int(s) for s in data["size"]),
                resize=str(data["resize"]),
                mean=tuple(float(m) for m in data["mean"]),
                std=tuple(float(s) for s in data["std"]),
                invert=bool(data.get("invert", False)),
                fit_ink=bool(data.get("fit_ink", False)),  # models saved before it have none
                ink_range=tuple(float(v) for v in data["ink_range"][:2]) if data.get("ink_range") else None,
            )
        except UserError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid_preprocessing("preprocessing", repr(data)[:200], "a dict written by to_dict()") from exc

    def apply(self, image: Image.Image) -> torch.Tensor:
        """Return ``image`` as the model input: a (C, H, W) float32 tensor, as in training."""
        return self.normalize(self.to_unit(image_pixels(self.convert(image))))[0]

    def steps(self, image: Image.Image) -> list[tuple[str, object]]:
        """Return ``(text key, result)`` for each stage of :meth:`apply`, to show on a page.

        Results: the colour-converted picture, the inverted one (only when ``invert``), the
        resized one (PIL images) and the normalised (C, H, W) tensor, which equals ``apply``.
        """
        converted = self.convert(image)
        stages: list[tuple[str, object]] = [("data.step_convert", converted)]
        pixels = image_pixels(converted)
        if self.invert:
            stages.append(("data.step_invert", _to_pil(1 - pixels[0].to(torch.float32) / 255)))
        unit = self.to_unit(pixels)
        stages.append(("data.step_fit_ink" if self.fit_ink else "data.step_resize", _to_pil(unit[0])))
        stages.append(("data.step_normalize", self.normalize(unit)[0]))
        return stages

    def ink_share(self, image: Image.Image) -> float:
        """Return the share of the model's input that is ink (above 0.5 after fitting): 0.0 when none is found."""
        return float(ink_shares(self.to_unit(image_pixels(self.convert(image))))[0])

    def to_unit(self, pixels: torch.Tensor) -> torch.Tensor:
        """Return uint8 images as floats in [0, 1], inverted if asked and resized.

        (N, C, H0, W0) uint8 -> (N, C, H, W) float32. Training and :meth:`apply` both come here.
        """
        x = pixels.to(torch.float32) / 255
        if self.invert:
            x = 1 - x
        if self.fit_ink:
            return fit_ink(x, self.size)
        return _resize(x, self.size, self.resize)

    def normalize(self, unit: torch.Tensor) -> torch.Tensor:
        """Return (x - mean) / std per channel; (N, C, H, W) -> (N, C, H, W)."""
        mean = torch.tensor(self.mean, dtype=torch.float32).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(-1, 1, 1)
        return (unit - mean) / std

    def to_image(self, x: torch.Tensor) -> Image.Image:
        """Return a normalised (C, H, W) model input as a picture, to show samples on a page."""
        mean = torch.tensor(self.mean, dtype=torch.float32).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(-1, 1, 1)
        return _to_pil(x.detach().cpu().to(torch.float32) * std + mean)

    def convert(self, image: Image.Image) -> Image.Image:
        """Return ``image`` in ``mode``, converted as core.images does (transparency on white)."""
        if image.mode == self.mode:
            return image
        rgb, _ = to_rgb(image)  # transparency on white, 16-bit scaled: images.py decides
        return to_gray(rgb) if self.mode == "L" else rgb


# MNIST's recipe: each digit's ink fitted into a 20 x 20 px box, keeping its aspect, then placed in
# 28 x 28 with its centre of mass at the centre. fit_ink scales the box with the input size.
INK_BOX = 20 / 28
MIN_CONTRAST = 0.15  # ink must differ from the paper by this share of black-to-white, else none is found
INK_LEVEL = 0.25  # after stretching paper to 0 and the darkest ink to 1, what counts as ink for the box


def fit_ink(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Return each picture's ink fitted into the box and centred by its mass, as MNIST was made.

    (N, 1, H0, W0) in [0, 1], ink brighter than paper -> (N, 1, H, W). Per picture: the paper is
    the median of the border pixels; paper brighter than mid-grey means light ink on dark paper,
    and the picture is flipped. Levels are stretched so the paper is 0 and the strongest ink 1;
    the box around the ink (pixels above INK_LEVEL) is resized, aspect kept, so its longer side is
    INK_BOX of the input, and placed with its centre of mass at the centre. A picture with no
    ink (less contrast than MIN_CONTRAST) becomes all paper: 0.
    """
    h, w = size
    n = x.shape[0]
    border = torch.cat([x[:, 0, 0], x[:, 0, -1], x[:, 0, 1:-1, 0], x[:, 0, 1:-1, -1]], dim=1)  # (N, perimeter)
    paper = border.median(dim=1).values  # (N,)
    flip = paper > 0.5
    x = torch.where(flip[:, None, None, None], 1 - x, x)
    paper = torch.where(flip, 1 - paper, paper)
    strongest = x.amax(dim=(1, 2, 3))  # (N,)
    found = strongest - paper >= MIN_CONTRAST
    x = ((x - paper[:, None, None, None]) / (strongest - paper).clamp(min=MIN_CONTRAST)[:, None, None, None]).clamp(
        0, 1
    )
    ink = x[:, 0] > INK_LEVEL  # (N, H0, W0)
    rows, cols = ink.any(dim=2), ink.any(dim=1)  # (N, H0), (N, W0)
    out = torch.zeros((n, 1, h, w), dtype=torch.float32)
    box = (max(1, round(h * INK_BOX)), max(1, round(w * INK_BOX)))
    for i in torch.nonzero(found & rows.any(dim=1)).flatten().tolist():
        top, bottom = _first_last(rows[i])
        left, right = _first_last(cols[i])
        crop = x[i : i + 1, :, top : bottom + 1, left : right + 1]
        scale = min(box[0] / crop.shape[2], box[1] / crop.shape[3])
        fitted = _bilinear(crop, (max(1, round(crop.shape[2] * scale)), max(1, round(crop.shape[3] * scale))))[0, 0]
        mass = fitted.sum()
        fh, fw = fitted.shape
        centre_y = float((fitted.sum(dim=1) * (torch.arange(fh) + 0.5)).sum() / mass)
        centre_x = float((fitted.sum(dim=0) * (torch.arange(fw) + 0.5)).sum() / mass)
        # MNIST's centre: pixel (14, 14) of 28 x 28, counting from 0, whose middle is at 14.5
        y0 = min(max(round(h / 2 + 0.5 - centre_y), 0), h - fh)
        x0 = min(max(round(w / 2 + 0.5 - centre_x), 0), w - fw)
        out[i, 0, y0 : y0 + fh, x0 : x0 + fw] = fitted
    return out


def ink_shares(unit: torch.Tensor) -> torch.Tensor:
    """Return each fitted picture's share of pixels that are ink (above 0.5): (N, 1, H, W) -> (N,)."""
    return (unit > 0.5).to(torch.float32).mean(dim=(1, 2, 3))


def _first_last(mask: torch.Tensor) -> tuple[int, int]:
    where = torch.nonzero(mask).flatten()
    return int(where[0]), int(where[-1])


def _invalid_preprocessing(field_name: str, value: object, allowed: str) -> UserError:
    return UserError(Message("data.preprocessing_invalid", {"field": field_name, "value": value, "allowed": allowed}))


def image_pixels(image: Image.Image) -> torch.Tensor:
    """Return a mode "L" or "RGB" picture as (1, C, H, W) uint8."""
    pixels = torch.from_numpy(np.array(image, dtype=np.uint8))  # (H, W) or (H, W, C); a copy
    if pixels.ndim == 2:
        return pixels[None, None]  # (H, W) -> (1, 1, H, W)
    return pixels.permute(2, 0, 1).contiguous()[None]  # (H, W, C) -> (1, C, H, W)


def _to_pil(x: torch.Tensor) -> Image.Image:
    """Return a (C, H, W) tensor in [0, 1] as a mode "L" or "RGB" picture."""
    pixels = (x.clamp(0, 1) * 255).round().to(torch.uint8)  # (C, H, W)
    if pixels.shape[0] == 1:
        return Image.fromarray(pixels[0].numpy(), "L")
    return Image.fromarray(pixels.permute(1, 2, 0).contiguous().numpy(), "RGB")


def _resize(x: torch.Tensor, size: tuple[int, int], resize: str) -> torch.Tensor:
    # (N, C, H0, W0) -> (N, C, H, W)
    h, w = size
    h0, w0 = x.shape[-2:]
    if resize == "bilinear_center_crop":
        scale = max(h / h0, w / w0)
        covering = (max(h, round(h0 * scale)), max(w, round(w0 * scale)))
        x = _bilinear(x, covering)
        top, left = (covering[0] - h) // 2, (covering[1] - w) // 2
        return x[..., top : top + h, left : left + w].contiguous()
    return _bilinear(x, (h, w))


def _bilinear(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    # Bilinear weights are non-negative and sum to 1, so only rounding can leave [0, 1].
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True).clamp_(0, 1)


@dataclass(frozen=True)
class Standardization:
    """Tabular features' (x - mean) / std, with the training split's statistics; saved with the model."""

    feature_names: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]  # a constant feature gets 1.0, so it is only centred

    def apply(self, features: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Return standardised features: (N, F) numbers -> (N, F) float32."""
        x = torch.as_tensor(np.asarray(features, dtype=np.float32))
        if x.ndim != 2 or x.shape[1] != len(self.mean):
            raise UserError(
                Message("data.feature_count", {"expected": len(self.mean), "got": x.shape[-1] if x.ndim else 0})
            )
        return (x - torch.tensor(self.mean, dtype=torch.float32)) / torch.tensor(self.std, dtype=torch.float32)

    def to_dict(self) -> dict:
        return {"feature_names": list(self.feature_names), "mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, data: dict) -> Standardization:
        return cls(
            feature_names=tuple(str(n) for n in data["feature_names"]),
            mean=tuple(float(m) for m in data["mean"]),
            std=tuple(float(s) for s in data["std"]),
        )


def draft_preprocessing(
    mode: str, size: int, resize: str, invert: bool = False, fit_ink: bool = False
) -> Preprocessing:
    """Return a preprocessing whose mean and std are still to be measured (0 and 1)."""
    channels = 1 if mode == "L" else 3
    return Preprocessing(mode, (size, size), resize, (0.0,) * channels, (1.0,) * channels, invert, fit_ink)


def with_statistics(draft: Preprocessing, train_unit: torch.Tensor) -> Preprocessing:
    # Rounded to 4 places: model.json then reads like the textbook's Normalize((0.1307,), (0.3081,)).
    mean = train_unit.mean(dim=(0, 2, 3), dtype=torch.float64)
    std = train_unit.to(torch.float64).std(dim=(0, 2, 3), correction=0)
    shares = ink_shares(train_unit) if draft.fit_ink and len(train_unit) else None
    return Preprocessing(
        mode=draft.mode,
        size=draft.size,
        resize=draft.resize,
        mean=tuple(round(float(m), 4) for m in mean),
        std=tuple(round(float(s), 4) if s >= 1e-3 else 1.0 for s in std),
        invert=draft.invert,
        fit_ink=draft.fit_ink,
        ink_range=(round(float(shares.min()), 4), round(float(shares.max()), 4)) if shares is not None else None,
    )
