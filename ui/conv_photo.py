"""The photo section's channels: a real ``nn.Conv2d(C, C_out, k)`` that sums over R, G, B, or per channel.

By default the photo goes through ``Conv2d(3, C_out, k)``: output channel ``o`` has one kernel per
input channel, ``mix[o, c] × kernel_c`` (the mix is an editable C_out × C table; the kernel on each
colour channel is the one chosen above or a 3x3 one chosen for that channel), and adds the three
results. "Per channel" keeps the old view, labelled for what it is: depthwise, ``groups = 3``, the
same kernel on R, G and B separately, never summed. Settings: "conv.image.combine", "conv.image.cout",
"conv.image.mix", "conv.image.kernel_r|g|b" (URL ``combine``, ``cout``, ``mix``, ``chk``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st
import torch
from streamlit.delta_generator import DeltaGenerator

from core import ops
from core.formatting import format_number
from core.i18n import Message
from core.images import decode_image, encode_jpeg, image_to_tensor, sample_photos, to_gray, upload_limits
from core.layer_settings import ConvSettings
from core.urlstate import parse_choice
from ui.app import settings
from ui.conv_controls import current_matrix, edit_matrix, key, section, start_section
from ui.text import t
from ui.urlstate import Param

S = st.session_state
COMBINES = ("conv2d", "depthwise")
COUT_RANGE = (1, 8)
MIX_LIMIT = 1e6  # |weight| in the mix table, as for a matrix read from a link; a typed "inf" becomes this
SHOWN_PX = 320  # feature maps are drawn at most this wide: eight full-size PNGs per rerun cost more than the conv
# default mix rows for RGB: brightness, each colour alone, colour differences, the plain mean
RGB_MIX = (
    (0.299, 0.587, 0.114), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, -1, 0), (0, 1, -1), (1, 0, -1), (1 / 3, 1 / 3, 1 / 3),
)  # fmt: skip
CHANNEL_NAMES = ("r", "g", "b")
KERNEL_CHOICES = ("same", *ops.IMAGE_KERNELS)  # "same": the kernel chosen above
GRAY_MIX = ((1,), (-1,), (0.5,), (2,), (-0.5,), (1.5,), (-2,), (0.25,))


@st.cache_resource(max_entries=4)
def photo_tensor(name: str, gray: bool) -> torch.Tensor:
    """Return a bundled photo as a (C, H, W) tensor, shared read-only by every session."""
    image = sample_photos()[name]
    return image_to_tensor(to_gray(image) if gray else image)


@st.cache_data(max_entries=8, show_spinner=False)
def upload_tensor(data: bytes, name: str, gray: bool) -> tuple[np.ndarray, tuple]:
    """Decode an uploaded photo safely; return its (C, H, W) pixels and the decoder's notes."""
    decoded = decode_image(data, name, **upload_limits(settings()))
    return image_to_tensor(to_gray(decoded.image) if gray else decoded.image).numpy(), decoded.notes


@st.cache_data(max_entries=8, show_spinner=False)
def input_picture(picture: tuple, width: int | None, _image: torch.Tensor) -> bytes:
    """The photo as drawn beside the output, encoded once: it does not change when a slider moves.

    ``picture`` names ``_image`` (a photo's name or an upload's id, and gray or not): the cache's
    key, so the pixels are not hashed again on every rerun (9% of py-spy's samples of the server while
    students moved the photo section's sliders).
    """
    return encode_jpeg(ops.to_pixels(_image, "clip"), width)


def default_mix(out_channels: int, in_channels: int) -> np.ndarray:
    """Return the first ``out_channels`` rows of the default mix for 1 (gray) or 3 (RGB) input channels."""
    bank = RGB_MIX if in_channels == 3 else GRAY_MIX
    return np.round(np.asarray(bank[:out_channels], dtype=float), 3)


def channel_controls(
    settings: ConvSettings, kernel: np.ndarray, wide: DeltaGenerator
) -> tuple[ConvSettings, np.ndarray | None, np.ndarray]:
    """Draw how the channels are combined; return the layer's settings, the mix (None: per channel) and the kernels.

    The kernels are ``kernel`` itself, or one 3x3 kernel per colour channel, (C, 3, 3), when the
    student chose them per channel (a 3x3 kernel above and an RGB photo).
    """
    combine = st.radio(
        t("conv.combine"),
        COMBINES,
        format_func=lambda c: t(f"conv.combine_{c}"),
        key=key("combine"),
        persist_state="session",
    )
    channels = settings.in_channels
    if combine == "depthwise":
        st.caption(t("conv.combine_depthwise_note", c=channels))
        return settings, None, kernel
    S.setdefault(key("cout"), 4)
    out_channels = st.slider(t("conv.ch.cout"), *COUT_RANGE, key=key("cout"), persist_state="session")
    shape = (out_channels, channels)
    mix = edit_matrix(
        "mix",
        current_matrix("mix", shape, default_mix(*shape)),
        t("conv.mix", names="R, G, B" if channels == 3 else t("conv.gray_channel")),
        wide,
    )
    mix = np.clip(np.nan_to_num(mix, nan=0.0, posinf=MIX_LIMIT, neginf=-MIX_LIMIT), -MIX_LIMIT, MIX_LIMIT)
    st.caption(t("conv.mix_note"))
    return dataclasses.replace(settings, out_channels=out_channels, groups=1), mix, channel_kernels(kernel, channels)


def channel_kernels(kernel: np.ndarray, channels: int) -> np.ndarray:
    """Draw a kernel choice per colour channel (3x3 kernels, RGB only); return (C, 3, 3) or the one kernel."""
    if channels != 3 or np.shape(kernel) != (3, 3):
        return kernel
    st.caption(t("conv.channel_kernels"))
    chosen = []
    for name in CHANNEL_NAMES:  # one under the other: the kernel names need the column's width
        S.setdefault(key(f"kernel_{name}"), "same")
        choice = st.selectbox(
            name.upper(),
            KERNEL_CHOICES,
            format_func=lambda k: t("conv.same_kernel") if k == "same" else t(f"conv.k_{k}"),
            key=key(f"kernel_{name}"),
            persist_state="session",
        )
        chosen.append(kernel if choice == "same" else np.asarray(ops.IMAGE_KERNELS[choice]))
    return np.stack(chosen) if any(S[key(f"kernel_{n}")] != "same" for n in CHANNEL_NAMES) else kernel


def show_output(
    image: torch.Tensor, picture: tuple, kernel: np.ndarray, settings: ConvSettings, mix, mapping: str
) -> torch.Tensor:
    """Run the layer on the photo and draw the input next to the output (or its feature maps); return the output.

    ``picture`` names the photo for :func:`input_picture`.
    """
    out = ops.convolve_image(image, kernel, settings, mix)
    kh, kw = np.shape(kernel)[-2:]
    if mix is None:
        comment = f"# depthwise: the same {kh}x{kw} kernel on each channel, nothing summed"
    else:
        comment = f"# weight (C_out, C_in, kH, kW) = {(settings.out_channels, settings.in_channels, kh, kw)}"
    st.code(
        f"{comment}\nconv = {settings.code()}\n# {tuple(image.shape)} -> {tuple(out.shape)}",
        language="python",
        wrap_lines=True,
    )
    if mix is None:
        a, b = st.columns(2)
        a.image(
            input_picture(picture, None, image), caption=t("conv.image_in", shape=tuple(image.shape)), width="stretch"
        )
        b.image(
            encode_jpeg(ops.to_pixels(out, mapping)),
            caption=t("conv.image_out", shape=tuple(out.shape)),
            width="stretch",
        )
        return out
    st.image(
        input_picture(picture, SHOWN_PX, image), caption=t("conv.image_in", shape=tuple(image.shape)), width=SHOWN_PX
    )
    st.caption(t("conv.image_out", shape=tuple(out.shape)))
    step = max(1, -(-out.shape[-1] // SHOWN_PX))  # keep every step-th pixel for the picture only
    pixels = ops.to_pixels(out[:, ::step, ::step], mapping)  # one mapping for all maps, as the note says
    pixels = pixels[..., None] if pixels.ndim == 2 else pixels
    columns = st.columns(4)
    for o in range(out.shape[0]):
        weights = " ".join(format_number(float(v)) for v in mix[o])
        picture = encode_jpeg(pixels[..., o])
        columns[o % 4].image(picture, caption=t("conv.feature_map", o=o, mix=weights), width="stretch")
    if step > 1:
        st.caption(t("conv.shown_smaller", step=step))
    return out


def mix_param() -> Param:
    """The URL parameter ``mix``: the photo's C_out × C table, written only when it differs from the default."""
    from ui.conv_url import format_matrix, parse_matrix  # that module builds the page's URL from this one's params

    def read(raw: str) -> Message | None:
        if section() != "image":
            return Message("conv.url_not_here", {"name": "mix", "mode": t(f"conv.mode_{section()}")})
        start_section()
        values, problem = parse_matrix(raw, "mix", 1, COUT_RANGE[1])
        if values is not None:
            S[key("mix")] = values
            S[key("mix_v")] = S.get(key("mix_v"), 0) + 1
            S[key("cout")] = len(values)
        return problem

    def write() -> str | None:
        held = S.get(key("mix"))
        if section() != "image" or held is None or S.get(key("combine")) != "conv2d":
            return None
        return None if np.array_equal(np.asarray(held), default_mix(*np.shape(held))) else format_matrix(held)

    return Param("mix", read, write)


def channel_kernels_param() -> Param:
    """The URL parameter ``chk``: the kernel on R, G and B (``same,sobel_x,same``), written when one differs."""

    def read(raw: str) -> Message | None:
        if section() != "image":
            return Message("conv.url_not_here", {"name": "chk", "mode": t(f"conv.mode_{section()}")})
        start_section()
        names = raw.split(",")[:3] if raw.count(",") == 2 else ["?"] * 3
        problems = []
        for name, value in zip(CHANNEL_NAMES, names, strict=True):
            S[key(f"kernel_{name}")], problem = parse_choice(value, "chk", KERNEL_CHOICES, "same")
            problems += [problem] if problem else []
        return problems[0] if problems else None

    def write() -> str | None:
        chosen = [S.get(key(f"kernel_{name}"), "same") for name in CHANNEL_NAMES]
        if section() != "image" or S.get(key("combine")) != "conv2d" or chosen == ["same"] * 3:
            return None
        return ",".join(chosen)

    return Param("chk", read, write)
