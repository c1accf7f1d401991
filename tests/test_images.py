"""core/images.py: every upload is checked, every mode becomes a sensible RGB picture.

Every file is built here with Pillow, so each test shows exactly which bytes it feeds in.
"""

from __future__ import annotations

import io
import random
import struct
import time
import warnings
import zlib

import numpy as np
import pytest
import torch
from PIL import ExifTags, Image, ImageCms, ImageFile

from core.i18n import Message, UserError
from core.i18n import images as images_text
from core.images import (
    ALLOWED_FORMATS,
    MAX_FILES_PER_BATCH,
    DecodedImage,
    decode_image,
    decode_many,
    image_to_tensor,
    sample_photos,
    to_gray,
    to_rgb,
    upload_limits,
)
from core.settings import Settings

LIMITS = {"max_bytes": 10 * 2**20, "max_pixels": 40_000_000}
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def encode(image: Image.Image, fmt: str, **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_args)
    return buffer.getvalue()


def decode(data: bytes, name: str = "upload", **limits) -> DecodedImage:
    return decode_image(data, name, **{**LIMITS, **limits})


def refusal(data: bytes, name: str = "upload", **limits) -> Message:
    with pytest.raises(UserError) as err:
        decode(data, name, **limits)
    return err.value.message


def pixels(image: Image.Image) -> list:
    """Row-major list of pixel values."""
    return [image.getpixel((x, y)) for y in range(image.height) for x in range(image.width)]


def note_keys(decoded: DecodedImage) -> list[str]:
    return [note.key for note in decoded.notes]


def png_claiming(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose IHDR (with a correct CRC) claims width x height."""
    png = encode(Image.new("L", (1, 1)), "PNG")
    # 8-byte signature, then the IHDR chunk: length (4), type (4), data (13), CRC (4)
    ihdr = b"IHDR" + struct.pack(">II", width, height) + png[24:29]
    return png[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]


def noise_rgb(width: int = 64, height: int = 48) -> Image.Image:
    array = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(array)


def with_alpha(mode: str) -> Image.Image:
    """A 3x2 image whose top-left pixel is fully transparent and the rest opaque black."""
    rgba = Image.new("RGBA", (3, 2), (0, 0, 0, 255))
    rgba.putpixel((0, 0), (0, 0, 0, 0))
    return rgba.convert(mode)


# --- modes: each becomes RGB of the right size with sensible values -------------------------


def test_rgb_png_decodes_unchanged_without_notes():
    original = noise_rgb(5, 4)
    decoded = decode(encode(original, "PNG"), "noise.png")
    assert decoded.image.mode == "RGB"
    assert pixels(decoded.image) == pixels(original)
    assert (decoded.name, decoded.format, decoded.original_mode) == ("noise.png", "PNG", "RGB")
    assert decoded.original_size == (5, 4)
    assert decoded.notes == ()


def test_grey_png_becomes_grey_rgb():
    decoded = decode(encode(Image.new("L", (3, 2), 77), "PNG"))
    assert (decoded.original_mode, decoded.image.mode, decoded.image.size) == ("L", "RGB", (3, 2))
    assert set(pixels(decoded.image)) == {(77, 77, 77)}


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF"])
def test_one_bit_image_becomes_black_and_white(fmt):
    bilevel = Image.new("1", (3, 2), 0)
    bilevel.putpixel((1, 0), 1)
    decoded = decode(encode(bilevel, fmt))
    assert (decoded.original_mode, decoded.image.size) == ("1", (3, 2))
    assert pixels(decoded.image) == [(0, 0, 0), WHITE, (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0)]


def test_palette_image_keeps_its_colours():
    palette = Image.new("RGB", (3, 1))
    for x, colour in enumerate([RED, GREEN, BLUE]):
        palette.putpixel((x, 0), colour)
    decoded = decode(encode(palette.convert("P", palette=Image.Palette.ADAPTIVE), "PNG"))
    assert decoded.original_mode == "P"
    assert sorted(pixels(decoded.image)) == sorted([RED, GREEN, BLUE])
    assert decoded.notes == ()


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("RGBA", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("P", "GIF"), ("PA", "TIFF"), ("RGBA", "WEBP")],
)
def test_transparent_pixel_becomes_white(mode, fmt):
    image = with_alpha(mode)
    save_args = {"lossless": True} if fmt == "WEBP" else {}
    if mode == "P":  # a palette image marks one palette index as transparent
        image = Image.new("P", (3, 2), 0)
        image.putpalette([0, 0, 0, 255, 0, 0])
        image.putpixel((0, 0), 1)
        save_args["transparency"] = 1
    decoded = decode(encode(image, fmt, **save_args))
    assert decoded.image.mode == "RGB" and decoded.image.size == (3, 2)
    assert decoded.image.getpixel((0, 0)) == WHITE
    assert decoded.image.getpixel((2, 1)) == (0, 0, 0)
    assert "images.note_alpha_on_white" in note_keys(decoded)


def test_half_transparent_black_becomes_mid_grey():
    decoded = decode(encode(Image.new("RGBA", (2, 2), (0, 0, 0, 128)), "PNG"))
    assert set(pixels(decoded.image)) == {(127, 127, 127)}  # 255 * (1 - 128/255)


def test_opaque_rgba_has_no_compositing_note():
    decoded = decode(encode(Image.new("RGBA", (2, 2), (10, 20, 30, 255)), "PNG"))
    assert set(pixels(decoded.image)) == {(10, 20, 30)}
    assert decoded.notes == ()


def test_rgb_png_with_a_transparent_colour_key_shows_it_as_white():
    image = Image.new("RGB", (2, 1), BLUE)
    image.putpixel((0, 0), RED)
    decoded = decode(encode(image, "PNG", transparency=RED))
    assert pixels(decoded.image) == [WHITE, BLUE]


@pytest.mark.parametrize("premultiplied", ["La", "RGBa"])
def test_premultiplied_alpha_is_composited_on_white(premultiplied):
    # No file format stores these modes, so the conversion is tested directly.
    # Built from bytes: Pillow's RGBA -> La conversion drops the alpha.
    transparent, opaque_black = {"La": (b"\0\0", b"\0\xff"), "RGBa": (b"\0" * 4, b"\0\0\0\xff")}[premultiplied]
    image = Image.frombytes(premultiplied, (3, 2), transparent + opaque_black * 5)
    rgb, notes = to_rgb(image)
    assert rgb.mode == "RGB" and rgb.size == (3, 2)
    assert rgb.getpixel((0, 0)) == WHITE and rgb.getpixel((1, 0)) == (0, 0, 0)
    assert [note.key for note in notes] == ["images.note_alpha_on_white"]


@pytest.mark.parametrize("fmt", ["TIFF", "JPEG"])
def test_cmyk_is_converted_to_rgb_with_a_note(fmt):
    cmyk = Image.new("CMYK", (3, 2), (0, 0, 0, 0))  # no ink: white
    cmyk.putpixel((0, 0), (0, 255, 255, 0))  # magenta + yellow: red
    decoded = decode(encode(cmyk, fmt, quality=100) if fmt == "JPEG" else encode(cmyk, fmt))
    assert (decoded.original_mode, decoded.image.size) == ("CMYK", (3, 2))
    tolerance = 40 if fmt == "JPEG" else 0  # JPEG's chroma subsampling blurs a 1-pixel red
    assert np.abs(np.subtract(decoded.image.getpixel((0, 0)), RED)).max() <= tolerance
    assert np.abs(np.subtract(decoded.image.getpixel((2, 1)), WHITE)).max() <= tolerance
    assert note_keys(decoded) == ["images.note_color_converted"]


def test_lab_tiff_round_trips_to_the_original_rgb():
    rgb = Image.new("RGB", (3, 2), (200, 30, 40))
    to_lab = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB")
    decoded = decode(encode(ImageCms.applyTransform(rgb, to_lab), "TIFF"))
    assert (decoded.original_mode, decoded.image.size) == ("LAB", (3, 2))
    assert np.abs(np.subtract(decoded.image.getpixel((1, 1)), (200, 30, 40))).max() <= 3


def test_ycbcr_converts_like_pillow():
    # JPEG and WebP decode YCbCr to RGB themselves, so the mode is tested directly.
    ycbcr = Image.new("RGB", (3, 2), (200, 30, 40)).convert("YCbCr")
    rgb, notes = to_rgb(ycbcr)
    assert pixels(rgb) == pixels(ycbcr.convert("RGB"))
    assert [(note.key, note.params) for note in notes] == [("images.note_color_converted", {"mode": "YCbCr"})]


@pytest.mark.parametrize(("mode", "fmt"), [("I;16", "PNG"), ("I;16", "TIFF"), ("I;16B", "TIFF")])
def test_sixteen_bit_grey_is_divided_by_257_not_clipped(mode, fmt):
    values = np.array([[0, 32768, 65535], [257, 514, 65535 - 257]], dtype=np.uint16)
    # Built from bytes: Pillow's I;16 -> I;16B conversion clips to 255.
    byte_order = ">u2" if mode == "I;16B" else "<u2"
    image = Image.frombytes(mode, (3, 2), values.astype(byte_order).tobytes())
    decoded = decode(encode(image, fmt))
    assert (decoded.original_mode, decoded.image.size) == (mode, (3, 2))
    grey = [r for r, g, b in pixels(decoded.image)]
    assert grey == [0, 128, 255, 1, 2, 254]
    assert note_keys(decoded) == ["images.note_16_bit"]


def test_32_bit_integer_tiff_is_stretched_from_min_to_max():
    values = np.array([[-100, 0, 100], [-100, 50, 100]], dtype=np.int32)
    decoded = decode(encode(Image.fromarray(values), "TIFF"))
    assert (decoded.original_mode, decoded.image.size) == ("I", (3, 2))
    assert [r for r, g, b in pixels(decoded.image)] == [0, 128, 255, 0, 191, 255]
    (note,) = decoded.notes
    assert (note.key, note.params) == (
        "images.note_stretched",
        {"mode": "I", "low": -100.0, "high": 100.0},
    )


def test_float_tiff_is_stretched_from_min_to_max():
    values = np.array([[-1.0, 0.0, 1.0], [0.5, -0.5, 1.0]], dtype=np.float32)
    decoded = decode(encode(Image.fromarray(values), "TIFF"))
    assert (decoded.original_mode, decoded.image.size) == ("F", (3, 2))
    assert [r for r, g, b in pixels(decoded.image)] == [0, 128, 255, 191, 64, 255]
    assert note_keys(decoded) == ["images.note_stretched"]


def test_constant_float_image_becomes_mid_grey():
    decoded = decode(encode(Image.new("F", (3, 2), 7.5), "TIFF"))
    assert set(pixels(decoded.image)) == {(128, 128, 128)}
    (note,) = decoded.notes
    assert (note.key, note.params) == ("images.note_constant", {"mode": "F", "value": 7.5})


def test_float_nan_and_infinity_take_the_ends_of_the_finite_range():
    values = np.array([[np.nan, 0.0, 2.0, np.inf, -np.inf, 1.0]], dtype=np.float32)
    rgb, _ = to_rgb(Image.fromarray(values))
    assert [r for r, g, b in pixels(rgb)] == [0, 0, 255, 255, 0, 128]


# --- content, not name; orientation; frames; scaling -----------------------------------------


def test_png_named_jpg_is_read_as_png():
    decoded = decode(encode(noise_rgb(4, 4), "PNG"), "holiday.jpg")
    assert decoded.format == "PNG"
    assert decoded.name == "holiday.jpg"


def test_exif_orientation_6_turns_a_2x1_image_into_1x2():
    image = Image.new("RGB", (2, 1), BLUE)
    image.putpixel((0, 0), RED)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90 degrees clockwise to display"
    decoded = decode(encode(image, "PNG", exif=exif))
    assert decoded.original_size == (2, 1)
    assert decoded.image.size == (1, 2)
    assert pixels(decoded.image) == [RED, BLUE]  # the left column is now the top row
    (note,) = decoded.notes
    assert (note.key, note.params) == ("images.note_exif_rotated", {"orientation": 6})


@pytest.mark.parametrize(
    ("fmt", "save_args"),
    [("GIF", {}), ("WEBP", {"lossless": True}), ("TIFF", {}), ("PNG", {}), ("MPO", {})],
)
def test_animated_image_gives_its_first_frame_and_a_note(fmt, save_args):
    red, green, blue = (Image.new("RGB", (4, 3), colour) for colour in (RED, GREEN, BLUE))
    data = encode(red, fmt, save_all=True, append_images=[green, blue], **save_args)
    decoded = decode(data)
    assert decoded.image.size == (4, 3)
    r, g, b = decoded.image.getpixel((2, 1))
    assert r > 240 and g < 15 and b < 15  # red; MPO is lossy JPEG
    assert decoded.format == ("JPEG" if fmt == "MPO" else fmt)
    (note,) = decoded.notes
    assert (note.key, note.params) == ("images.note_frames", {"frames": 3})


def test_max_side_scales_the_longer_side_down_keeping_the_aspect_ratio():
    decoded = decode(encode(noise_rgb(400, 200), "PNG"), max_side=100)
    assert decoded.image.size == (100, 50)
    assert decoded.original_size == (400, 200)
    (note,) = decoded.notes
    assert (note.key, note.params) == (
        "images.note_scaled_down",
        {"width": 400, "height": 200, "new_width": 100, "new_height": 50, "max_side": 100},
    )


def test_max_side_leaves_a_small_enough_image_alone():
    decoded = decode(encode(noise_rgb(100, 50), "PNG"), max_side=100)
    assert decoded.image.size == (100, 50)
    assert decoded.notes == ()


def test_upload_limits_turn_settings_into_decode_keywords():
    settings = Settings(max_upload_mb=3, max_image_pixels=1000, max_image_side=20)
    limits = upload_limits(settings)
    assert limits == {"max_bytes": 3 * 1024 * 1024, "max_pixels": 1000, "max_side": 20}
    assert decode(encode(noise_rgb(40, 10), "PNG"), **limits).image.size == (20, 5)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file_cannot_be_decoded(fmt):
    whole = encode(noise_rgb(), fmt)
    message = refusal(whole[: len(whole) // 2], f"cut.{fmt.lower()}")
    assert message.key == "images.could_not_decode"
    assert message.params["name"] == f"cut.{fmt.lower()}"
    assert "truncated" in message.params["detail"]
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_png_with_a_damaged_header_cannot_be_decoded():
    png = encode(noise_rgb(4, 4), "PNG")
    damaged = png[:29] + b"\0\0\0\0" + png[33:]  # wrong IHDR CRC
    assert refusal(damaged).key == "images.could_not_decode"


def test_random_bytes_are_not_an_image():
    message = refusal(random.Random(0).randbytes(1000), "noise.bin")
    assert message.key == "images.not_an_image"
    assert message.params["allowed"] == "PNG, JPEG, WEBP, BMP, GIF, TIFF"


def test_plain_text_is_not_an_image():
    assert refusal(b"name,label\ncat.png,3\n", "labels.png").key == "images.not_an_image"


def test_empty_file_is_refused():
    assert refusal(b"", "empty.png") == Message("images.empty", {"name": "empty.png"})


def test_file_over_the_byte_cap_is_refused_naming_both_sizes():
    message = refusal(b"\0" * 2_000_000, "big.png", max_bytes=1_500_000)
    assert message.key == "images.too_large"
    assert (message.params["size_bytes"], message.params["max_bytes"]) == (2_000_000, 1_500_000)
    for lang in ("en", "zh"):
        assert "2,000,000" in message.text(lang) and "1,500,000" in message.text(lang)
        assert "1.9 MB" in message.text(lang) and "1.4 MB" in message.text(lang)


def test_file_of_exactly_the_byte_cap_is_accepted():
    data = encode(noise_rgb(4, 4), "PNG")
    assert decode(data, max_bytes=len(data)).image.size == (4, 4)
    assert refusal(data, max_bytes=len(data) - 1).key == "images.too_large"


def test_pixel_cap_is_inclusive():
    data = encode(noise_rgb(20, 20), "PNG")
    assert decode(data, max_pixels=400).image.size == (20, 20)
    message = refusal(data, "photo.png", max_pixels=399)
    assert message == Message(
        "images.too_many_pixels",
        {
            "name": "photo.png",
            "width": 20,
            "height": 20,
            "pixels": 400,
            "max_pixels": 399,
            "fit_width": 19,
            "fit_height": 19,
        },
    )


@pytest.fixture
def pixels_never_decoded(monkeypatch):
    """Fail any test that reaches the step allocating and decoding pixels."""

    def refuse_to_load(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_load)


def test_header_over_the_pixel_cap_is_refused_before_decoding(pixels_never_decoded):
    started = time.perf_counter()
    message = refusal(png_claiming(8000, 6000), "scan.png")  # 48 M pixels > 40 M
    assert time.perf_counter() - started < 0.5
    assert message.key == "images.too_many_pixels"
    assert (message.params["width"], message.params["height"]) == (8000, 6000)
    # the suggested size keeps the aspect ratio and fits
    fit_width, fit_height = message.params["fit_width"], message.params["fit_height"]
    assert fit_width * fit_height <= 40_000_000 < (fit_width + 1) * (fit_height + 1)
    assert abs(fit_width / fit_height - 8000 / 6000) < 0.001


def test_header_claiming_30000x30000_is_refused_as_a_decompression_bomb(pixels_never_decoded):
    started = time.perf_counter()
    message = refusal(png_claiming(30000, 30000), "bomb.png")
    assert time.perf_counter() - started < 0.5
    assert message.key == "images.decompression_bomb"
    assert message.params["declared_over"] == 2 * Image.MAX_IMAGE_PIXELS
    assert message.params["max_pixels"] == 40_000_000


def test_pillows_bomb_warning_raised_as_an_error_is_still_a_refusal(pixels_never_decoded):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        message = refusal(png_claiming(10000, 10000), "bomb.png")  # over Pillow's ~89 M pixels
    assert message.key == "images.decompression_bomb"
    assert message.params["declared_over"] == Image.MAX_IMAGE_PIXELS


def test_pixel_cap_above_pillows_limit_is_lowered_to_it(pixels_never_decoded):
    with pytest.warns(Image.DecompressionBombWarning):  # Pillow's, while reading the header
        message = refusal(png_claiming(10000, 10000), max_pixels=10**9)
    assert message.key == "images.too_many_pixels"
    assert message.params["max_pixels"] == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="9"/>', "SVG"),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "HEIC"),
        (encode(Image.new("RGB", (3, 2)), "PPM"), "PPM"),  # Pillow reads it; we do not
    ],
    ids=["svg", "pdf", "heic", "ppm"],
)
def test_format_outside_the_allow_list_is_refused(data, detected):
    message = refusal(data, "drawing.png")
    assert message == Message(
        "images.format_not_allowed",
        {"name": "drawing.png", "format": detected, "allowed": ", ".join(ALLOWED_FORMATS)},
    )


def test_decode_many_returns_the_good_files_and_one_message_per_bad_file():
    files = [
        ("a.png", encode(noise_rgb(4, 4), "PNG")),
        ("b.txt", b"not an image"),
        ("c.jpg", encode(noise_rgb(6, 2), "JPEG")),
        ("d.png", b""),
    ]
    images, problems = decode_many(files, **LIMITS)
    assert [(d.name, d.image.size) for d in images] == [("a.png", (4, 4)), ("c.jpg", (6, 2))]
    assert [(name, message.key) for name, message in problems] == [
        ("b.txt", "images.not_an_image"),
        ("d.png", "images.empty"),
    ]


def test_every_message_renders_in_english_and_chinese():
    photo = encode(noise_rgb(40, 20), "PNG")
    frames = [Image.new("RGB", (2, 2), colour) for colour in (RED, BLUE)]
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 8
    refusals = [
        refusal(b"", "a.png"),
        refusal(photo, "b.png", max_bytes=10),
        refusal(b"plain text", "c.png"),
        refusal(b"%PDF-1.7\n", "d.png"),
        refusal(photo, "e.png", max_pixels=10),
        refusal(png_claiming(30000, 30000), "f.png"),
        refusal(photo[:-100], "g.png"),
        refusal(encode(Image.new("F", (4, 4)), "TIFF"), "h.tif", max_pixels=40),
        decode_many([("i.png", photo)] * (MAX_FILES_PER_BATCH + 1), **LIMITS)[1][0][1],
    ]
    notes = [
        *decode(encode(with_alpha("RGBA"), "PNG")).notes,
        *decode(encode(Image.new("I;16", (2, 2), 300), "PNG")).notes,
        *decode(encode(Image.fromarray(np.array([[1.0, 2.0]], dtype=np.float32)), "TIFF")).notes,
        *decode(encode(Image.new("F", (2, 2), 0.25), "TIFF")).notes,
        *decode(encode(frames[0], "GIF", save_all=True, append_images=frames[1:])).notes,
        *decode(encode(Image.new("RGB", (2, 1)), "PNG", exif=exif)).notes,
        *decode(encode(Image.new("CMYK", (2, 2)), "TIFF")).notes,
        *decode(photo, max_side=10).notes,
    ]
    assert {m.key for m in refusals + notes} == set(images_text.TEXT)
    for message in refusals + notes:
        english, chinese = message.text("en"), message.text("zh")
        assert english and chinese and english != chinese
    for message in refusals:
        name = message.params["name"]
        assert name in message.text("en") and name in message.text("zh")


# --- grey, tensors, sample photos -------------------------------------------------------------


def test_to_gray_uses_itu_r_601_2_luma():
    image = Image.new("RGB", (4, 1))
    for x, colour in enumerate([RED, GREEN, BLUE, WHITE]):
        image.putpixel((x, 0), colour)
    gray = to_gray(image)
    assert gray.mode == "L"
    # L = R * 299/1000 + G * 587/1000 + B * 114/1000, rounded
    assert pixels(gray) == [76, 150, 29, 255]


def test_rgb_tensor_is_channels_first_float_in_0_1():
    image = Image.new("RGB", (3, 2), (0, 0, 0))
    image.putpixel((2, 1), (255, 51, 0))  # x = 2, y = 1
    tensor = image_to_tensor(image)
    assert tensor.shape == (3, 2, 3) and tensor.dtype == torch.float32  # (C, H, W)
    assert tensor[:, 1, 2].tolist() == pytest.approx([1.0, 0.2, 0.0])
    assert tensor.sum().item() == pytest.approx(1.2)


def test_gray_tensor_has_one_channel():
    tensor = image_to_tensor(Image.new("L", (5, 4), 255))
    assert tensor.shape == (1, 4, 5)
    assert tensor.min().item() == tensor.max().item() == 1.0


def test_tensor_from_other_modes_is_refused():
    with pytest.raises(ValueError, match="'RGBA'"):
        image_to_tensor(Image.new("RGBA", (2, 2)))


def test_sample_photos_are_two_rgb_photos_of_640x427():
    photos = sample_photos()
    assert sorted(photos) == ["china.jpg", "flower.jpg"]
    for photo in photos.values():
        assert (photo.mode, photo.size) == ("RGB", (640, 427))
        colours = np.unique(np.asarray(photo).reshape(-1, 3), axis=0)
        assert len(colours) > 1000  # a photograph, not a blank


def test_changing_a_sample_photo_does_not_change_the_next_callers():
    first = sample_photos()
    before = first["china.jpg"].getpixel((0, 0))
    first["china.jpg"].putpixel((0, 0), (1, 2, 3))
    del first["flower.jpg"]
    again = sample_photos()
    assert again["china.jpg"].getpixel((0, 0)) == before != (1, 2, 3)
    assert "flower.jpg" in again


# --- pictures of 16-bit, 32-bit and float values (issue 12 item 4) -------------------------------------


def test_a_float_tiff_has_its_own_lower_pixel_cap_checked_before_decoding():
    # the file: 247 KB of deflated float zeros, 6324 x 6324 = 40 M pixels: 4.2 s and +1.5 GiB
    data = encode(Image.new("F", (6324, 6324)), "TIFF", compression="tiff_adobe_deflate")
    assert len(data) < 400_000
    message = refusal(data, max_pixels=40_000_000)
    assert message.key == "images.too_many_pixels_high_bit"
    assert (message.params["mode"], message.params["max_pixels"]) == ("F", 10_000_000)
    assert message.params["fit_width"] * message.params["fit_height"] <= 10_000_000
    sixteen = encode(Image.new("I;16", (4000, 3000)), "PNG")  # 12 M pixels: fine as 8-bit, not as 16-bit
    assert refusal(sixteen, max_pixels=40_000_000).key == "images.too_many_pixels_high_bit"
    assert decode(encode(Image.new("L", (4000, 3000)), "PNG"), max_pixels=40_000_000).image.size == (4000, 3000)


@pytest.mark.parametrize("mode", ["F", "I", "I;16"])
def test_high_bit_pictures_become_grey_in_a_few_bytes_per_pixel(mode):
    import tracemalloc

    side = 1000
    ramp = np.linspace(0, 60_000, side * side, dtype=np.float32).reshape(side, side)
    image = Image.fromarray(ramp.astype({"F": np.float32, "I": np.int32, "I;16": np.uint16}[mode]))
    assert image.mode == mode
    tracemalloc.start()
    try:
        rgb, _ = to_rgb(image)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * side * side, peak  # float64 and its temporaries took about 40 bytes a pixel
    grey = np.asarray(rgb)[:, :, 0]
    assert grey[0, 0] == 0 and grey[-1, -1] == (255 if mode != "I;16" else round(60_000 / 257))


def test_one_upload_batch_decodes_at_most_fifty_pictures():
    png = encode(Image.new("RGB", (4, 4)), "PNG")
    images, problems = decode_many([(f"{i}.png", png) for i in range(MAX_FILES_PER_BATCH + 2)], **LIMITS)
    assert len(images) == MAX_FILES_PER_BATCH == 50
    assert [(name, p.key) for name, p in problems] == [
        ("50.png", "images.too_many_files"),
        ("51.png", "images.too_many_files"),
    ]


def test_pictures_are_encoded_once_as_jpeg_scaled_down_to_the_width_shown():
    from core.images import encode_jpeg

    photo = np.asarray(sample_photos()["china.jpg"])  # (427, 640, 3)
    shown = Image.open(io.BytesIO(encode_jpeg(photo, 320)))
    assert (shown.format, shown.mode, shown.size) == ("JPEG", "RGB", (320, 214))
    full = Image.open(io.BytesIO(encode_jpeg(photo)))
    assert full.size == (640, 427)  # never scaled up, nor down without a width
    assert np.abs(np.asarray(full, dtype=float) - photo).mean() < 3  # the same picture, up to JPEG's loss
    gray = Image.open(io.BytesIO(encode_jpeg(photo[..., 0], 1000)))
    assert (gray.mode, gray.size) == ("L", (640, 427))
