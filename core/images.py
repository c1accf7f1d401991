"""Turning untrusted image bytes into a plain RGB picture, and pictures into tensors.

Owns everything between an upload and a tensor: the size, pixel and format checks, the
decision of what each Pillow mode becomes in RGB (each one deliberate, each lossy step
reported as a note), grey scale, the ``(C, H, W)`` tensor layout, and the offline sample
photos. Problems come back as :class:`~core.i18n.UserError` carrying a
:class:`~core.i18n.Message`; nothing here formats text or imports Streamlit.

The order in :func:`decode_image` is the security argument, so keep it:
bytes cap -> identify (header only) -> format allow-list -> pixel cap -> decode pixels.
Nothing is allocated for pixels until the header has passed every check.
"""

from __future__ import annotations

import functools
import io
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from core.i18n import Message, UserError
from core.settings import Settings

logger = logging.getLogger(__name__)

# Decided from the file's content (Pillow's ``img.format``), never from its name.
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")

# Pillow calls a JPEG that carries extra pictures (many phone cameras write them) "MPO";
# it is a JPEG to the user, and its first picture is the photo.
_SAME_FORMAT = {"MPO": "JPEG"}

# Modes whose alpha channel (straight or premultiplied) is composited on white.
_ALPHA_MODES = ("P", "PA", "RGBA", "LA", "La", "RGBa")
# Modes that can declare one fully transparent value instead of an alpha channel (PNG tRNS).
_KEYED_TRANSPARENCY_MODES = ("1", "L", "RGB")
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N")
# Integer and float images have no fixed range, so they are stretched from min to max.
_STRETCHED_MODES = ("I", "F")

# HEIF-family files start with an ISO media "ftyp" box; its brand names the format.
_ISO_MEDIA_BRANDS = {
    **dict.fromkeys((b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"), "HEIC"),  # iPhones
    **dict.fromkeys((b"avif", b"avis"), "AVIF"),
}

_MID_GREY = 128  # what a constant "I" or "F" image becomes: there is no contrast to show
# 16-bit, 32-bit and float pixels take 2-4 bytes each, and become 8-bit grey through a float
# array: their pixel cap is the general one divided by this. A 247 KB float TIFF of 6324 x 6324
# (40 M pixels, just under the general cap) took 4.2 s and 1.5 GiB to decode.
HIGH_BIT_PIXEL_DIVISOR = 4
MAX_FILES_PER_BATCH = 50  # pictures decoded from one upload: a batch's table, not a data set


@dataclass(frozen=True)
class DecodedImage:
    """An upload that passed every check, as an RGB picture ready to show or convolve."""

    name: str  # the uploaded file name, used only in messages
    image: Image.Image  # mode "RGB", EXIF orientation applied, fully loaded
    format: str  # detected from the content, one of ALLOWED_FORMATS
    original_mode: str  # Pillow's mode as stored, e.g. "I;16", "P", "CMYK"
    original_size: tuple[int, int]  # (width, height) as stored, before rotation or scaling
    notes: tuple[Message, ...]  # every deliberate change: compositing, rescaling, frames, ...


def upload_limits(settings: Settings) -> dict[str, int]:
    """Return the keyword limits of :func:`decode_image` for these settings.

    ``max_upload_mb`` counts MB of 1024 x 1024 bytes, as Streamlit's upload cap does.
    """
    return {
        "max_bytes": settings.max_upload_mb * 1024 * 1024,
        "max_pixels": settings.max_image_pixels,
        "max_side": settings.max_image_side,
    }


def decode_image(
    data: bytes, name: str, *, max_bytes: int, max_pixels: int, max_side: int | None = None
) -> DecodedImage:
    """Return the uploaded ``data`` as a checked RGB :class:`DecodedImage`.

    ``max_pixels`` is lowered to Pillow's own decompression-bomb limit if it is above it.
    With ``max_side`` set, the picture is scaled down (LANCZOS, aspect ratio kept) so its
    longer side is at most ``max_side`` pixels. Every refusal is a :class:`UserError`.
    """
    if not data:
        raise UserError(Message("images.empty", {"name": name}))
    if len(data) > max_bytes:
        raise UserError(
            Message(
                "images.too_large",
                {
                    "name": name,
                    "size_bytes": len(data),
                    "size_mb": len(data) / 2**20,
                    "max_bytes": max_bytes,
                    "max_mb": max_bytes / 2**20,
                },
            )
        )
    if Image.MAX_IMAGE_PIXELS is not None:
        max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS)
    try:
        return _decode(data, name, max_pixels=max_pixels, max_side=max_side)
    except UserError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses headers above twice its limit while opening, before we see the size;
        # its warning (above once the limit) only arrives here when warnings are errors.
        logger.info("refused %r before decoding: %s", name, exc)
        declared_over = Image.MAX_IMAGE_PIXELS or max_pixels
        if isinstance(exc, Image.DecompressionBombError):
            declared_over *= 2
        raise UserError(
            Message(
                "images.decompression_bomb",
                {"name": name, "declared_over": declared_over, "max_pixels": max_pixels},
            )
        ) from exc
    except Exception as exc:
        # Damaged files make Pillow's plugins raise OSError, ValueError, SyntaxError,
        # struct.error, EOFError, IndexError... Whatever the type, the user can only re-save.
        logger.info("could not decode %r: %r", name, exc)
        detail = str(exc)[:200] or type(exc).__name__
        raise UserError(Message("images.could_not_decode", {"name": name, "detail": detail})) from exc


def _decode(data: bytes, name: str, *, max_pixels: int, max_side: int | None) -> DecodedImage:
    try:
        opened = Image.open(io.BytesIO(data))  # reads the header only
    except UnidentifiedImageError:
        raise UserError(_unidentified(data, name)) from None
    with opened as img:
        image_format = _SAME_FORMAT.get(img.format or "", img.format or "?")
        if image_format not in ALLOWED_FORMATS:
            raise UserError(
                Message(
                    "images.format_not_allowed",
                    {"name": name, "format": image_format, "allowed": ", ".join(ALLOWED_FORMATS)},
                )
            )
        width, height = img.size
        high_bit = img.mode in _SIXTEEN_BIT_MODES + _STRETCHED_MODES
        if high_bit:
            max_pixels //= HIGH_BIT_PIXEL_DIVISOR
        if width * height > max_pixels:
            raise UserError(_too_many_pixels(name, width, height, max_pixels, img.mode if high_bit else None))

        notes: list[Message] = []
        frames = getattr(img, "n_frames", 1)  # animated GIF/WebP/PNG, multi-page TIFF, MPO
        if frames > 1:
            img.seek(0)
            notes.append(Message("images.note_frames", {"frames": frames}))
        img.load()  # the first allocation of pixels; raises on truncated data
        original_mode = img.mode

        orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
        upright = ImageOps.exif_transpose(img)  # a loaded copy, independent of the file
        if orientation in range(2, 9):
            notes.append(Message("images.note_exif_rotated", {"orientation": orientation}))

    rgb, conversion_notes = to_rgb(upright)
    notes.extend(conversion_notes)

    if max_side is not None and max(rgb.size) > max_side:
        w, h = rgb.size
        scale = max_side / max(w, h)
        new_size = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = rgb.resize(new_size, Image.Resampling.LANCZOS)
        notes.append(
            Message(
                "images.note_scaled_down",
                {
                    "width": w,
                    "height": h,
                    "new_width": new_size[0],
                    "new_height": new_size[1],
                    "max_side": max_side,
                },
            )
        )

    return DecodedImage(
        name=name,
        image=rgb,
        format=image_format,
        original_mode=original_mode,
        original_size=(width, height),
        notes=tuple(notes),
    )


def _too_many_pixels(name: str, width: int, height: int, max_pixels: int, high_bit_mode: str | None) -> Message:
    # The nearest valid choice: the same aspect ratio, scaled to fit under the cap.
    scale = math.sqrt(max_pixels / (width * height))
    return Message(
        "images.too_many_pixels" if high_bit_mode is None else "images.too_many_pixels_high_bit",
        {
            **({} if high_bit_mode is None else {"mode": high_bit_mode}),
            "name": name,
            "width": width,
            "height": height,
            "pixels": width * height,
            "max_pixels": max_pixels,
            "fit_width": max(1, math.floor(width * scale)),
            "fit_height": max(1, math.floor(height * scale)),
        },
    )


def _unidentified(data: bytes, name: str) -> Message:
    """Say why Pillow could not identify ``data``: damaged, a known other format, or not an image."""
    allowed = ", ".join(ALLOWED_FORMATS)
    sniffed = _sniff(data)
    if sniffed in ALLOWED_FORMATS:
        # The signature of a format we read but a header Pillow rejects: a damaged file.
        detail = "cannot identify image file"
        return Message("images.could_not_decode", {"name": name, "detail": detail})
    if sniffed is not None:
        params = {"name": name, "format": sniffed, "allowed": allowed}
        return Message("images.format_not_allowed", params)
    return Message("images.not_an_image", {"name": name, "allowed": allowed})


def _sniff(data: bytes) -> str | None:
    """Name the format of a file Pillow could not identify, from its first bytes.

    Only used to word the message better: Pillow alone decides what a file is.
    """
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head[4:8] == b"ftyp" and head[8:12] in _ISO_MEDIA_BRANDS:
        return _ISO_MEDIA_BRANDS[head[8:12]]
    if b"<svg" in data[:2048].lower():
        return "SVG"
    return None


def to_rgb(image: Image.Image) -> tuple[Image.Image, tuple[Message, ...]]:
    """Return ``image`` in mode "RGB" and a note for every change beyond a lossless one.

    - RGB as is; L and 1 (via L) become grey RGB.
    - Transparency (P, PA, RGBA, LA, La, RGBa, or a tRNS colour) is composited on white.
    - 16-bit grey (I;16, I;16B, I;16L, I;16N) is divided by 257, so 65535 -> 255.
    - 32-bit integer (I) and float (F) are stretched from their min..max to 0..255; a
      constant image becomes mid-grey (128); NaN and -inf count as the minimum, +inf as the max.
    - Everything else (CMYK, YCbCr, LAB, HSV, ...) goes through Pillow's ``convert("RGB")``.
    """
    mode = image.mode
    if mode in _ALPHA_MODES or (mode in _KEYED_TRANSPARENCY_MODES and "transparency" in image.info):
        # Pillow has no La -> RGBA conversion, only La -> LA (which un-premultiplies).
        rgba = image.convert("LA").convert("RGBA") if mode == "La" else image.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] == 255:
            return rgba.convert("RGB"), ()
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        on_white = Image.alpha_composite(white, rgba).convert("RGB")
        return on_white, (Message("images.note_alpha_on_white"),)
    if mode == "RGB":
        return image, ()
    if mode in ("L", "1"):
        return image.convert("L").convert("RGB"), ()
    if mode in _SIXTEEN_BIT_MODES:
        # 65535 / 257 = 255 exactly; clipping to 255 instead would turn almost everything white.
        values = np.asarray(image, dtype=np.float32)  # (H, W), any byte order
        values /= 257
        grey = np.rint(values, out=values).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB"), (Message("images.note_16_bit"),)
    if mode in _STRETCHED_MODES:
        return _stretch_to_rgb(image)
    return image.convert("RGB"), (Message("images.note_color_converted", {"mode": mode}),)


def _stretch_to_rgb(image: Image.Image) -> tuple[Image.Image, tuple[Message, ...]]:
    # One float32 copy, changed in place: 4 bytes a pixel, where float64 and its temporaries took
    # 40. float32 rounds 32-bit integers past 2**24, far below what 256 grey levels can show.
    values = np.array(image, dtype=np.float32)  # (H, W)
    finite = np.isfinite(values)  # (H, W) bool: 1 byte a pixel
    any_finite = bool(finite.any())
    low = float(values.min(where=finite, initial=np.inf)) if any_finite else 0.0
    high = float(values.max(where=finite, initial=-np.inf)) if any_finite else 0.0
    del finite
    if high == low:
        grey = np.full(values.shape, _MID_GREY, dtype=np.uint8)
        note = Message("images.note_constant", {"mode": image.mode, "value": low})
    else:
        np.nan_to_num(values, copy=False, nan=low, posinf=high, neginf=low)
        values -= low
        values *= 255 / (high - low)
        grey = np.rint(values, out=values).astype(np.uint8)
        note = Message("images.note_stretched", {"mode": image.mode, "low": low, "high": high})
    return Image.fromarray(grey).convert("RGB"), (note,)


def decode_many(
    files: Iterable[tuple[str, bytes]], **limits: int | None
) -> tuple[list[DecodedImage], list[tuple[str, Message]]]:
    """Return the images that decoded and a ``(name, problem)`` for each file that did not.

    ``limits`` are :func:`decode_image`'s keywords. One bad file never stops the others; files after
    the first :data:`MAX_FILES_PER_BATCH` are not decoded, each with its problem.
    """
    images: list[DecodedImage] = []
    problems: list[tuple[str, Message]] = []
    for index, (name, data) in enumerate(files):
        if index >= MAX_FILES_PER_BATCH:
            problems.append((name, Message("images.too_many_files", {"name": name, "max": MAX_FILES_PER_BATCH})))
            continue
        try:
            images.append(decode_image(data, name, **limits))
        except UserError as err:
            problems.append((name, err.message))
    return images, problems


def to_gray(image: Image.Image) -> Image.Image:
    """Return ``image`` in mode "L": ITU-R 601-2 luma, L = R * 299/1000 + G * 587/1000 + B * 114/1000."""
    return image.convert("L")


def image_to_tensor(image: Image.Image) -> torch.Tensor:
    """Return a ``(C, H, W)`` float32 tensor in [0, 1]: C = 1 for mode "L", 3 for "RGB"."""
    if image.mode not in ("L", "RGB"):
        raise ValueError(
            f"image_to_tensor takes mode 'L' or 'RGB', not {image.mode!r}; use to_rgb() or to_gray() first"
        )
    # np.array copies, so the tensor owns writable memory: (H, W) or (H, W, C) uint8
    pixels = torch.from_numpy(np.array(image, dtype=np.uint8))
    if pixels.ndim == 2:
        pixels = pixels.unsqueeze(-1)  # (H, W) -> (H, W, 1)
    pixels = pixels.permute(2, 0, 1).contiguous()  # (H, W, C) -> (C, H, W)
    return pixels.to(torch.float32) / 255


def encode_jpeg(pixels: np.ndarray, width: int | None = None, quality: int = 95) -> bytes:
    """Return uint8 pixels, (H, W) or (H, W, 3), as JPEG bytes, scaled down to ``width`` pixels when wider.

    What a page shows: encoded here once instead of by Streamlit on every rerun, which encodes an
    array, decodes it again to check its size, and encodes it a second time when it is too wide.
    """
    image = Image.fromarray(np.ascontiguousarray(pixels))
    if width is not None and image.width > width:
        image = image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def sample_photos() -> dict[str, Image.Image]:
    """Return scikit-learn's two sample photos, ``{"china.jpg": ..., "flower.jpg": ...}``, 640 x 427 RGB.

    They ship inside scikit-learn, so this works offline. The files are read once; each call
    gets its own dict and images, so one caller cannot change another's.
    """
    return {name: Image.fromarray(pixels) for name, pixels in _sample_pixels()}


@functools.lru_cache(maxsize=1)
def _sample_pixels() -> tuple[tuple[str, np.ndarray], ...]:
    from sklearn.datasets import load_sample_images  # slow to import; only this needs it

    bunch = load_sample_images()
    photos = []
    for path, pixels in zip(bunch.filenames, bunch.images, strict=True):
        pixels.setflags(write=False)  # (H, W, 3) uint8, shared by every call
        photos.append((path.replace("\\", "/").rsplit("/", 1)[-1], pixels))
    return tuple(photos)
