"""Plotly figures: matrices as annotated heatmaps with highlighted windows, shapes, curves, bars.

Pictures made of numbers (sample grids, kernels, feature maps) are :mod:`core.pictures`; how numbers
are written, :mod:`core.formatting`.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import plotly.io

from core.formatting import format_number

WINDOW_COLOUR = "#e4572e"  # the window on the input and its cell on the output share this colour
PAD_COLOUR = "#d9d9d9"  # padding cells: grey, never on the colour scale


@functools.cache
def _colorscale(name: str) -> list:
    """Return a named colorscale as Python plotly means it: plotly.js reads some names (Blues) the other way."""
    return plotly.colors.get_colorscale(name)


@functools.cache
def _no_template() -> dict:
    """Return plotly's "none" template as the object the browser needs (the name is Python-side only)."""
    return plotly.io.templates["none"].to_plotly_json()


def _figure(data, layout: Mapping | None = None, **options) -> go.Figure:
    """Return a figure without plotly's default template.

    The page's Streamlit theme styles every chart in the browser (in Chromium the charts came out
    alike to a few anti-aliased pixels), and copying and sending the default template took most of
    a chart's drawing: a 10-class confusion matrix 0.7 against 0.2 ms, 8.8 against 2.3 kB."""
    return go.Figure(data=data, layout={"template": _no_template(), **(layout or {})}, **options)


def matrix_figure(
    values: np.ndarray,
    *,
    title: str = "",
    pad_mask: np.ndarray | None = None,
    highlight: Iterable[tuple[int, int]] = (),
    colorscale: str = "Blues",
    cell_px: int = 42,
    box: tuple[int, int, int, int] | None = None,
) -> go.Figure:
    """Return a heatmap of a matrix with every value written in its cell.

    Padding cells (pad_mask True) are drawn grey with their values; highlighted cells get a
    thick outline, and ``box`` (row, col, rows, cols) one outline around a whole block (a
    window without dilation: one shape where per-cell outlines take a shape each); infinite
    values (max pooling's padding) are written as -∞. Row 0 is at the top, as in a printed matrix.
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
    traces = [{"type": "heatmap", "z": z, "colorscale": _colorscale(colorscale), **cell}]
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
    blocks = [(r, c, 1, 1) for r, c in highlight] + ([box] if box else [])  # (row, col, rows, cols)
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
        "shapes": [
            {"type": "rect", "x0": c - 0.5, "x1": c + w - 0.5, "y0": r - 0.5, "y1": r + h - 0.5, "line": outline}
            for r, c, h, w in blocks
        ],
        "margin": {"l": 10, "r": 10, "t": 60 if title else 30, "b": 10},
        "height": max(160, rows * cell_px + (90 if title else 60)),
    }
    # one constructor call, unvalidated: plotly validates every property (most of a figure's 6 ms) and
    # st.plotly_chart would again; this fixed layout is validated once by tests/test_channels.py
    return _figure(traces, layout, _validate=False)


def curves_figure(
    x: np.ndarray, curves: Mapping[str, np.ndarray], *, x_title: str = "x", y_title: str = ""
) -> go.Figure:
    """Return line plots of several named curves over the same x."""
    fig = _figure([go.Scatter(x=x, y=y, mode="lines", name=name) for name, y in curves.items()])
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
    fig = _figure(
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
    fig = make_subplots(rows=1, cols=max(1, len(weights)), subplot_titles=titles, figure=_figure(None))
    for col, w in enumerate(weights.values(), start=1):
        counts, edges = np.histogram(np.asarray(w, dtype=np.float64).ravel(), bins=bins)
        fig.add_trace(
            go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker={"color": "#1f77b4"}),
            row=1,
            col=col,
        )
    fig.update_layout(height=260, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False, bargap=0)
    return fig


# --- training: curves, confusion matrix, per-class bars ----------------------------------------------------

# distinct hues, in order (D3's category10): Streamlit's own theme starts with two blues
SERIES_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
CURVE_MARKERS_UP_TO = 30  # a series with this few points (one per epoch) also gets markers


def run_curves_figure(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    x_title: str = "",
    y_title: str = "",
    y_range: tuple[float, float] | None = None,
    height: int = 300,
) -> go.Figure:
    """Return line plots of named (x, y) series that need not share their x (steps vs epoch ends).

    Each series gets its own colour of :data:`SERIES_COLOURS`, so two runs never share a shade.
    """
    traces = [
        go.Scatter(
            x=list(x),
            y=list(y),
            mode="lines+markers" if len(x) <= CURVE_MARKERS_UP_TO else "lines",
            name=name,
            line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)]},
        )
        for i, (name, (x, y)) in enumerate(series.items())
    ]
    layout = {
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}, **({"range": list(y_range)} if y_range else {})},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 20 + 22 * len(series), "b": 10},  # room for the legend above the plot
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "showlegend": True,  # even for one series: its name says what the curve is (e.g. "validation")
    }
    return _figure(traces, layout)


def bars_figure(names: Sequence[str], values: Sequence[float], *, x_title: str = "") -> go.Figure:
    """Return one horizontal bar per name (e.g. each parameter tensor's gradient norm), first on top."""
    bars = go.Bar(
        x=list(values),
        y=[str(n) for n in names],
        orientation="h",
        marker={"color": "#1f77b4"},
        text=[f"{v:.3g}" for v in values],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.4g}<extra></extra>",
    )
    layout = {
        "xaxis": {"title": {"text": x_title}, "range": [0, 1.2 * max(values, default=1) or 1]},
        "yaxis": {"type": "category", "autorange": "reversed"},
        "height": 50 + 24 * len(names),
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "bargap": 0.25,
    }
    return _figure([bars], layout)


def plain_label(text: object) -> str:
    """Return ``text`` as plotly shows it literally: its labels read a little HTML (``<a href>``, ``<b>``),
    and class names come from uploads (a CSV's labels, a zip's folders, a model.json)."""
    return html.escape(str(text), quote=False)


def confusion_figure(
    confusion: Sequence[Sequence[int]], classes: Sequence[str], *, x_title: str = "", y_title: str = ""
) -> go.Figure:
    """Return a confusion matrix as a heatmap with every count written in its cell (row = true class)."""
    counts = np.asarray(confusion, dtype=np.float64)
    labels = [plain_label(c) for c in classes]
    fig = _figure(
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
    fig = _figure(
        go.Bar(
            x=[plain_label(c) for c in classes],
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


# --- predict: probabilities and the input tensor --------------------------------------------------------

PREDICTED_COLOUR = "#1f77b4"  # the most likely class
OTHER_CLASS_COLOUR = "#aec7e8"
TRUE_CLASS_COLOUR = "#2ca02c"  # a test sample's true class, wherever it ranks


def probabilities_figure(
    top: Sequence[tuple[str, float]], *, true_label: str | None = None, x_title: str = ""
) -> go.Figure:
    """Return the most likely classes as horizontal bars, most likely on top, each with its probability.

    ``top`` is (class name, probability) from most to least likely; the true class (when known)
    is drawn green, the predicted one dark blue.
    """
    names = [plain_label(name) for name, _ in top]
    colours = [PREDICTED_COLOUR if i == 0 else OTHER_CLASS_COLOUR for i in range(len(top))]
    if true_label is not None and plain_label(true_label) in names:
        colours[names.index(plain_label(true_label))] = TRUE_CLASS_COLOUR
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
    return _figure([bars], layout)


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
    return _figure(traces, layout)
