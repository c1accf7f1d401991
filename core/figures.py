"""Plotly figures: matrices as annotated heatmaps with highlighted windows, and curves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

WINDOW_COLOUR = "#e4572e"  # the window on the input and its cell on the output share this colour
PAD_COLOUR = "#d9d9d9"  # padding cells: grey, never on the colour scale


def format_number(value: float) -> str:
    """Return an integer without decimals and anything else with up to 4 significant digits."""
    if not np.isfinite(value):
        return "-∞" if value < 0 else ("∞" if value > 0 else "nan")
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def matrix_figure(
    values: np.ndarray,
    *,
    title: str = "",
    pad_mask: np.ndarray | None = None,
    highlight: Iterable[tuple[int, int]] = (),
    colorscale: str = "Blues",
    cell_px: int = 42,
) -> go.Figure:
    """Return a heatmap of a matrix with every value written in its cell.

    Padding cells (pad_mask True) are drawn grey with their values; highlighted cells get a
    thick outline; infinite values (max pooling's padding) are written as -∞. Row 0 is at the
    top, as in a printed matrix.
    """
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    z = np.where(np.isfinite(values), values, np.nan)
    if pad_mask is not None:
        z = np.where(pad_mask, np.nan, z)
    text = [[format_number(v) for v in row] for row in values]
    cell = {
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 14 if max(rows, cols) <= 8 else 11},
        "showscale": False,
        "hoverongaps": False,
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "row %{y}, col %{x}: %{text}<extra></extra>",
    }
    traces = [{"type": "heatmap", "z": z, "colorscale": colorscale, **cell}]
    if pad_mask is not None and pad_mask.any():
        # padding cells as a second, single-colour layer, so they never take a colour of the scale
        pad_text = [
            [v if m else "" for v, m in zip(row, mask_row, strict=True)]
            for row, mask_row in zip(text, pad_mask, strict=True)
        ]
        pad = np.where(pad_mask, 0.0, np.nan)
        traces.append(
            {"type": "heatmap", "z": pad, "colorscale": [[0, PAD_COLOUR], [1, PAD_COLOUR]], **cell, "text": pad_text}
        )
    outline = {"color": WINDOW_COLOUR, "width": 4}
    layout = {
        "xaxis": {
            "range": [-0.5, cols - 0.5],
            "showgrid": False,
            "zeroline": False,
            "dtick": 1,
            "ticks": "",
            "side": "top",
            "constrain": "domain",
        },
        "yaxis": {
            "range": [rows - 0.5, -0.5],
            "showgrid": False,
            "zeroline": False,
            "dtick": 1,
            "ticks": "",
            "scaleanchor": "x",
            "constrain": "domain",
        },
        "title": {"text": title, "font": {"size": 14}, "y": 0.98},
        "plot_bgcolor": "rgba(0,0,0,0)",
        # no plotly template: the page's Streamlit theme styles the chart in the browser, and building,
        # copying and sending the default one cost 3 of the figure's 4.4 ms and 6.5 of its 8 kB
        "template": "none",
        "shapes": [
            {"type": "rect", "x0": c - 0.5, "x1": c + 0.5, "y0": r - 0.5, "y1": r + 0.5, "line": outline}
            for r, c in highlight
        ],
        "margin": {"l": 10, "r": 10, "t": 60 if title else 30, "b": 10},
        "height": max(160, rows * cell_px + (90 if title else 60)),
    }
    # one constructor call: plotly validates each update_* call separately, and that dominated reruns
    fig = go.Figure(data=traces, layout=layout)
    return fig


def curves_figure(
    x: np.ndarray, curves: Mapping[str, np.ndarray], *, x_title: str = "x", y_title: str = ""
) -> go.Figure:
    """Return line plots of several named curves over the same x."""
    fig = go.Figure([go.Scatter(x=x, y=y, mode="lines", name=name) for name, y in curves.items()])
    fig.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.12},
    )
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    fig.add_vline(x=0, line={"color": "#999", "width": 1})
    return fig


def format_count(n: int) -> str:
    """Return a count as "61,706" below a million, "134.30 M" or "15.47 G" above (for metrics)."""
    if abs(n) < 1_000_000:
        return f"{n:,}"
    if abs(n) < 1_000_000_000:
        return f"{n / 1e6:.2f} M"
    return f"{n / 1e9:.2f} G"


def format_bytes(n: int) -> str:
    """Return a size in decimal units: "241.0 kB", "537.2 MB"."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


# colour of each layer family in the shape diagram; layers that keep the shape are grey
LAYER_COLOURS = {
    "input": "#6c757d",
    "Conv2d": "#1f77b4",
    "ConvTranspose2d": "#17becf",
    "MaxPool2d": "#ff7f0e",
    "AvgPool2d": "#ff7f0e",
    "AdaptiveAvgPool2d": "#ff7f0e",
    "Flatten": "#9467bd",
    "Linear": "#2ca02c",
}
OTHER_LAYER_COLOUR = "#c7c7c7"


def shapes_figure(
    names: list[str], layer_types: list[str], shapes: list[tuple[int, ...]], *, y_title: str = ""
) -> go.Figure:
    """Return the shapes flowing through a model: one block per layer, labelled with its output shape.

    ``shapes`` are per sample, without the batch: (C, H, W) for images, (features,) for vectors. A
    block's height is its channels (or features) on a log scale and its width grows with H, so a
    CNN reads as images getting smaller and deeper, then a thin column of features.
    """
    images = [s for s in shapes if len(s) == 3]
    max_h = max((s[1] for s in images), default=1)
    heights = [s[0] for s in shapes]
    widths = [0.25 + 0.65 * s[1] / max_h if len(s) == 3 else 0.18 for s in shapes]
    labels = ["×".join(map(str, s)) for s in shapes]
    colours = [LAYER_COLOURS.get(t, OTHER_LAYER_COLOUR) for t in layer_types]
    fig = go.Figure(
        go.Bar(
            x=list(range(len(shapes))),
            y=heights,
            width=widths,
            marker={"color": colours, "line": {"color": "#333", "width": 0.5}},
            text=labels,
            textposition="outside",
            textangle=-90 if len(shapes) > 14 else 0,
            textfont={"size": 11},
            constraintext="none",  # plotly would shrink a narrow bar's label to its width
            cliponaxis=False,
            customdata=list(zip(names, layer_types, labels, strict=True)),
            hovertemplate="%{customdata[0]} · %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
        )
    )
    fig.update_xaxes(tickvals=list(range(len(shapes))), ticktext=list(names), tickangle=-45 if len(shapes) > 8 else 0)
    top = np.log10(max(heights, default=1)) + (1.3 if len(shapes) > 14 else 0.5)  # room for the labels
    fig.update_yaxes(type="log", dtick=1, title=y_title, range=[-0.2, top])
    fig.update_layout(height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10}, showlegend=False, bargap=0)
    return fig


def weight_histograms_figure(weights: Mapping[str, np.ndarray], *, bins: int = 40) -> go.Figure:
    """Return one histogram per layer's weights, side by side, each titled with the weights' std."""
    from plotly.subplots import make_subplots

    titles = [f"{name} · std {float(np.std(w)):.3g}" for name, w in weights.items()]
    fig = make_subplots(rows=1, cols=max(1, len(weights)), subplot_titles=titles)
    for col, w in enumerate(weights.values(), start=1):
        counts, edges = np.histogram(np.asarray(w, dtype=np.float64).ravel(), bins=bins)
        fig.add_trace(
            go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker={"color": "#1f77b4"}),
            row=1,
            col=col,
        )
    fig.update_layout(height=260, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False, bargap=0)
    return fig


# --- training: curves, confusion matrix, per-class bars, picture grids, config differences ----------

CURVE_MARKERS_UP_TO = 30  # a series with this few points (one per epoch) also gets markers


def run_curves_figure(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    x_title: str = "",
    y_title: str = "",
    y_range: tuple[float, float] | None = None,
    height: int = 300,
) -> go.Figure:
    """Return line plots of named (x, y) series that need not share their x (steps vs epoch ends)."""
    traces = [
        go.Scatter(x=list(x), y=list(y), mode="lines+markers" if len(x) <= CURVE_MARKERS_UP_TO else "lines", name=name)
        for name, (x, y) in series.items()
    ]
    layout = {
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}, **({"range": list(y_range)} if y_range else {})},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 20 + 22 * len(series), "b": 10},  # room for the legend above the plot
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "showlegend": True,  # even for one series: its name says what the curve is (e.g. "validation")
    }
    return go.Figure(data=traces, layout=layout)


def confusion_figure(
    confusion: Sequence[Sequence[int]], classes: Sequence[str], *, x_title: str = "", y_title: str = ""
) -> go.Figure:
    """Return a confusion matrix as a heatmap with every count written in its cell (row = true class)."""
    counts = np.asarray(confusion, dtype=np.float64)
    labels = [str(c) for c in classes]
    fig = go.Figure(
        go.Heatmap(
            z=counts,
            x=labels,
            y=labels,
            text=[[str(int(v)) for v in row] for row in counts],
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            xgap=1,
            ygap=1,
            hovertemplate="%{y} → %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis={"title": {"text": x_title}, "side": "top", "type": "category"},
        yaxis={"title": {"text": y_title}, "autorange": "reversed", "type": "category"},
        height=max(260, 32 * len(labels) + 90),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )
    return fig


def per_class_figure(classes: Sequence[str], values: Sequence[float | None], *, y_title: str = "") -> go.Figure:
    """Return one bar per class (accuracy in [0, 1]); a class with no samples gets no bar."""
    fig = go.Figure(
        go.Bar(
            x=[str(c) for c in classes],
            y=[np.nan if v is None else v for v in values],
            text=["–" if v is None else f"{v:.0%}" for v in values],
            textposition="outside",
            cliponaxis=False,
            marker={"color": "#1f77b4"},
        )
    )
    fig.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": {"text": y_title}, "range": [0, 1.12], "tickformat": ".0%"},
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return fig


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


def config_differences(configs: Mapping[str, Mapping]) -> dict[str, dict[str, str]]:
    """Return ``{setting: {run: value as text}}`` for the settings whose values differ between runs."""
    names = sorted({name for config in configs.values() for name in config})
    table = {}
    for name in names:
        shown = {run: _setting_text(config.get(name, "—")) for run, config in configs.items()}
        if len(set(shown.values())) > 1:
            table[name] = shown
    return table


def _setting_text(value: object) -> str:
    if isinstance(value, dict):  # a model spec: its name is what tells two apart at a glance
        return f"{value.get('name') or 'custom'} ({len(value.get('layers', []))} layers)"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


# --- predict: probabilities, the input tensor, feature maps, Grad-CAM ---------------------------------

PREDICTED_COLOUR = "#1f77b4"  # the most likely class
OTHER_CLASS_COLOUR = "#aec7e8"
TRUE_CLASS_COLOUR = "#2ca02c"  # a test sample's true class, wherever it ranks
# diverging colours of feature maps: blue below 0, near-white at 0, red above (ColorBrewer RdBu)
_NEGATIVE, _ZERO, _POSITIVE = (33, 102, 172), (247, 247, 247), (178, 24, 43)
TILE_BORDER = 160  # grey frame around each feature map, so a near-zero (white) map stays visible
# Grad-CAM colours from no evidence to the most (a "jet"-like ramp): blue, cyan, green, yellow, red
_CAM_STOPS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
_CAM_COLOURS = np.array([(0, 0, 143), (0, 160, 255), (80, 220, 80), (255, 220, 0), (200, 0, 0)], dtype=np.float64)


def probabilities_figure(
    top: Sequence[tuple[str, float]], *, true_label: str | None = None, x_title: str = ""
) -> go.Figure:
    """Return the most likely classes as horizontal bars, most likely on top, each with its probability.

    ``top`` is (class name, probability) from most to least likely; the true class (when known)
    is drawn green, the predicted one dark blue.
    """
    names = [str(name) for name, _ in top]
    colours = [PREDICTED_COLOUR if i == 0 else OTHER_CLASS_COLOUR for i in range(len(top))]
    if true_label is not None and str(true_label) in names:
        colours[names.index(str(true_label))] = TRUE_CLASS_COLOUR
    bars = go.Bar(
        x=[p for _, p in top],
        y=names,
        orientation="h",
        marker={"color": colours},
        text=[f"{p:.1%}" for _, p in top],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.2%}<extra></extra>",
    )
    layout = {
        "xaxis": {"title": {"text": x_title}, "range": [0, 1.15], "tickformat": ".0%"},
        "yaxis": {"type": "category", "autorange": "reversed"},
        "height": 60 + 30 * len(top),
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "bargap": 0.25,
    }
    return go.Figure(data=[bars], layout=layout)


def tensor_heatmap_figure(x: np.ndarray, *, title: str = "") -> go.Figure:
    """Return a (C, H, W) model input as one heatmap per channel, side by side, on one scale centred at 0.

    Normalised inputs are about zero-mean: blue is below the training mean, red above. Row 0 is at
    the top, as in the picture.
    """
    x = np.asarray(x, dtype=np.float64)
    channels = x.shape[0]
    peak = float(np.abs(x).max()) or 1.0
    gap = 0.04
    width = (1 - gap * (channels - 1)) / channels
    traces, layout = [], {}
    for c in range(channels):
        suffix = "" if c == 0 else str(c + 1)
        traces.append(
            go.Heatmap(
                z=x[c],
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
                colorscale="RdBu",
                reversescale=True,
                zmin=-peak,
                zmax=peak,
                showscale=c == channels - 1,
                colorbar={"thickness": 12, "len": 0.9},
                hovertemplate=f"c {c}, " + "row %{y}, col %{x}: %{z:.3f}<extra></extra>",
            )
        )
        left = c * (width + gap)
        layout[f"xaxis{suffix}"] = {
            "domain": [left, left + width], "showgrid": False, "zeroline": False, "constrain": "domain",
            "title": {"text": f"c = {c}" if channels > 1 else ""},
        }  # fmt: skip
        layout[f"yaxis{suffix}"] = {
            "autorange": "reversed", "showgrid": False, "zeroline": False, "constrain": "domain",
            "scaleanchor": f"x{suffix}",
        }  # fmt: skip
    layout.update(
        title={"text": title, "font": {"size": 14}},
        height=320,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return go.Figure(data=traces, layout=layout)


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
