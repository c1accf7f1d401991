"""Plotly figures: matrices as annotated heatmaps with highlighted windows, and curves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
    thick outline. Row 0 is at the top, as in a printed matrix.
    """
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    z = np.where(np.isfinite(values), values, np.nan)
    if pad_mask is not None:
        z = np.where(pad_mask, np.nan, z)
    text = [[format_number(v) for v in row] for row in values]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 14 if max(rows, cols) <= 8 else 11},
            colorscale=colorscale,
            showscale=False,
            hoverongaps=False,
            xgap=2,
            ygap=2,
            hovertemplate="row %{y}, col %{x}: %{text}<extra></extra>",
        )
    )
    for r, c in highlight:
        fig.add_shape(
            type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, line={"color": WINDOW_COLOUR, "width": 4}
        )
    fig.update_xaxes(range=[-0.5, cols - 0.5], showgrid=False, zeroline=False, dtick=1, side="top")
    fig.update_yaxes(
        range=[rows - 0.5, -0.5], showgrid=False, zeroline=False, dtick=1, scaleanchor="x", constrain="domain"
    )
    fig.update_layout(
        title={"text": title, "font": {"size": 14}, "y": 0.98},
        plot_bgcolor=PAD_COLOUR,
        margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 10},
        height=max(160, rows * cell_px + (90 if title else 60)),
    )
    return fig


def curves_figure(x: np.ndarray, curves: Mapping[str, np.ndarray], *, x_title: str = "x", y_title: str = "") -> go.Figure:
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
