"""User uploads, which are untrusted: a zip of class folders (:func:`load_image_zip`) and a CSV
table (:func:`load_csv`), each checked before it becomes a :class:`~core.data.LoadedData`.

Owns: the limits on an upload (size, entries, unpacked size, compression ratio, rows, columns,
classes), the refusal of hostile zips (paths leaving their folder, absolute paths, symbolic
links, zip bombs), skipping junk and listing the files left out, and reading a CSV into
numbers. Everything is read in memory, never written to disk. Splitting and normalising come
from core.data, so an upload is prepared exactly as the built-in data sets are.
"""

from __future__ import annotations

import csv
import io
import math
import re
import stat
import zipfile

import numpy as np
import torch

from core.datasets import check_fraction, check_input_size
from core.i18n import Message, UserError
from core.images import decode_image
from core.preprocessing import Preprocessing, draft_preprocessing, image_pixels
from core.settings import Settings
from core.splits import LoadedData, image_data, split_indices, subsample, table_data

# ---------------------------------------------------------------------------------------------
# A zip of class folders
# ---------------------------------------------------------------------------------------------

_JUNK_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}  # and every name starting with "."
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")
RATIO_CHECK_BYTES = 1 << 20  # entries this large (uncompressed) must respect max_ratio; small ones can't hurt


def load_image_zip(
    data: bytes,
    *,
    input_size: int = 32,
    mode: str = "RGB",
    max_bytes: int | None = None,
    max_entries: int = 5_000,
    max_total_bytes: int = 200 * 1024 * 1024,
    max_ratio: int = 100,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
    max_samples: int | None = None,
) -> tuple[LoadedData, list[Message]]:
    """Return a data set from a zip of class folders, and a message for each file left out.

    The class of an image is the folder that directly holds it (``ants/1.jpg`` and
    ``train/ants/2.jpg`` are both "ants"), as in torchvision's ImageFolder. Entries are read in
    memory, never written to disk. The whole zip is refused when it is larger than
    ``max_bytes`` (default: the upload cap), has more than ``max_entries`` entries, would
    unpack to more than ``max_total_bytes``, has an entry over ``RATIO_CHECK_BYTES`` that
    expands more than ``max_ratio`` times, or has a path that leaves its folder or a symbolic
    link. ``__MACOSX``, ``.DS_Store`` and hidden files are ignored; nested archives, files
    outside class folders and pictures that do not decode are left out and listed. Pictures are
    resized (shorter side to ``input_size``, centre cropped) and normalised with the training
    split's statistics. ``max_samples`` keeps a class-balanced random subset first, as for the built-in sets.
    """
    settings = Settings.from_env()
    max_bytes = max_bytes if max_bytes is not None else settings.max_upload_mb * 1024 * 1024
    if len(data) > max_bytes:
        raise UserError(Message("data.upload_too_big", {"size_mb": _mb(len(data)), "max_mb": _mb(max_bytes)}))
    check_input_size(input_size)
    check_fraction("val_fraction", val_fraction)
    check_fraction("test_fraction", test_fraction)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UserError(Message("data.zip_not_zip", {"detail": str(exc)[:200]})) from exc
    draft = draft_preprocessing(mode, input_size, "bilinear_center_crop")
    with archive:
        entries = archive.infolist()
        _check_zip_entries(entries, max_entries=max_entries, max_total_bytes=max_total_bytes, max_ratio=max_ratio)
        pictures, problems = _read_zip_pictures(archive, entries, draft, max_total_bytes, settings)

    folders = sorted({folder for folder, _ in pictures})
    if len(folders) < 2:
        raise UserError(
            Message("data.zip_too_few_classes", {"count": len(folders), "found": ", ".join(folders) or "-"})
        )
    class_index = {folder: i for i, folder in enumerate(folders)}
    labels = np.array([class_index[folder] for folder, _ in pictures], dtype=np.int64)
    keep = subsample(labels, max_samples or len(labels), seed)
    labels = labels[keep]
    splits = split_indices(labels, val_fraction, test_fraction, seed)
    unit = torch.cat([pictures[i][1] for i in keep])  # (n, C, size, size) in [0, 1]
    counts = {"images": len(labels), "classes": len(folders), "size": input_size, "skipped": len(problems)}
    description = Message("data.desc_zip", counts)
    return image_data("zip", unit, draft, labels, tuple(folders), splits, description), problems


def _check_zip_entries(
    entries: list[zipfile.ZipInfo], *, max_entries: int, max_total_bytes: int, max_ratio: int
) -> None:
    """Refuse the whole zip for any rule that a well-meaning zip never breaks."""
    if len(entries) > max_entries:
        raise UserError(Message("data.zip_too_many_entries", {"count": len(entries), "max": max_entries}))
    total = 0
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        parts = name.split("/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise UserError(Message("data.zip_absolute_path", {"name": _short(entry.filename)}))
        if ".." in parts:
            raise UserError(Message("data.zip_path_escape", {"name": _short(entry.filename)}))
        if stat.S_ISLNK(entry.external_attr >> 16):  # Unix mode bits live in the top 16 bits
            raise UserError(Message("data.zip_symlink", {"name": _short(entry.filename)}))
        if entry.is_dir():
            continue
        if entry.file_size > RATIO_CHECK_BYTES and entry.file_size > max_ratio * max(1, entry.compress_size):
            ratio = entry.file_size / max(1, entry.compress_size)
            raise UserError(
                Message("data.zip_ratio", {"name": _short(entry.filename), "ratio": round(ratio), "max": max_ratio})
            )
        total += entry.file_size
        if total > max_total_bytes:
            raise UserError(
                Message("data.zip_too_big_unpacked", {"size_mb": _mb(total), "max_mb": _mb(max_total_bytes)})
            )


def _read_zip_pictures(
    archive: zipfile.ZipFile,
    entries: list[zipfile.ZipInfo],
    draft: Preprocessing,
    max_total_bytes: int,
    settings: Settings,
) -> tuple[list[tuple[str, torch.Tensor]], list[Message]]:
    """Return ``(class folder, picture)`` for each good picture and a message per file left out.

    Each picture is decoded and resized at once, (1, C, size, size) in [0, 1]: a thousand
    photos at full size would not fit in memory. Pictures differ in size, so one at a time.
    """
    pictures: list[tuple[str, torch.Tensor]] = []
    problems: list[Message] = []
    read_total = 0
    for entry in entries:
        parts = [p for p in entry.filename.replace("\\", "/").split("/") if p]
        if entry.is_dir() or not parts or any(p in _JUNK_NAMES or p.startswith(".") for p in parts):
            continue
        name = _short(entry.filename)
        if parts[-1].lower().endswith(_ARCHIVE_SUFFIXES):
            problems.append(Message("data.zip_nested_archive", {"name": name}))
            continue
        if len(parts) < 2:
            problems.append(Message("data.zip_outside_folder", {"name": name}))
            continue
        try:
            with archive.open(entry) as stream:
                blob = stream.read(entry.file_size + 1)  # never more than the header declared
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:  # CRC, encryption
            problems.append(Message("data.zip_unreadable_entry", {"name": name, "detail": str(exc)[:200]}))
            continue
        read_total += len(blob)
        if len(blob) > entry.file_size or read_total > max_total_bytes:
            raise UserError(
                Message("data.zip_too_big_unpacked", {"size_mb": _mb(read_total), "max_mb": _mb(max_total_bytes)})
            )
        if blob.startswith(b"PK\x03\x04"):
            problems.append(Message("data.zip_nested_archive", {"name": name}))
            continue
        try:
            decoded = decode_image(
                blob,
                name,
                max_bytes=settings.max_upload_mb * 1024 * 1024,
                max_pixels=settings.max_image_pixels,
                max_side=settings.max_image_side,
            )
        except UserError as err:
            problems.append(err.message)
            continue
        pictures.append((parts[-2], draft.to_unit(image_pixels(draft.convert(decoded.image)))))
    return pictures, problems


def _short(name: str, limit: int = 120) -> str:
    return name if len(name) <= limit else name[: limit - 3] + "..."


def _mb(size_bytes: int) -> float:
    return size_bytes / 2**20


# ---------------------------------------------------------------------------------------------
# A CSV table
# ---------------------------------------------------------------------------------------------

MAX_CSV_CLASSES = 100  # more distinct labels than this is almost always a measurement, not a class


def load_csv(
    data: bytes,
    *,
    max_bytes: int | None = None,
    max_rows: int = 100_000,
    max_columns: int = 1_000,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
    max_samples: int | None = None,
) -> LoadedData:
    """Return a tabular data set from CSV bytes: numeric feature columns, then the label column.

    UTF-8 text; separated by commas, semicolons or tabs. The first row is a header when none of
    its feature cells is a number. Labels may be words or whole numbers (then sorted
    numerically). ``max_samples`` keeps a class-balanced random subset first. Features are
    standardised with the training split's statistics. Each broken
    rule raises UserError naming the row and column (both counted from 1, as in a spreadsheet).
    """
    check_fraction("val_fraction", val_fraction)
    check_fraction("test_fraction", test_fraction)
    max_bytes = max_bytes if max_bytes is not None else Settings.from_env().max_upload_mb * 1024 * 1024
    if len(data) > max_bytes:
        raise UserError(Message("data.upload_too_big", {"size_mb": _mb(len(data)), "max_mb": _mb(max_bytes)}))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(Message("data.csv_not_utf8", {"position": exc.start})) from exc
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[int, list[str]]] = []  # (line number, cells)
    # strict: a quote still open at the end of the file is an error, not one cell holding the rest
    reader = csv.reader(io.StringIO(text), dialect, strict=True)
    row_start = 1  # the line the row being read begins on: where an unclosed quote opened
    try:
        for cells in reader:
            cells = [c.strip() for c in cells]
            if any(cells):
                rows.append((reader.line_num, cells))
            row_start = reader.line_num + 1
            if len(rows) > max_rows + 1:  # one more for a possible header
                raise UserError(Message("data.csv_too_many_rows", {"max": max_rows}))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise UserError(Message("data.csv_unclosed_quote", {"row": row_start})) from exc
        raise UserError(Message("data.csv_malformed", {"row": reader.line_num, "detail": str(exc)[:200]})) from exc
    if not rows:
        raise UserError(Message("data.csv_empty"))

    columns = len(rows[0][1])
    if columns < 2:
        raise UserError(Message("data.csv_too_few_columns", {"columns": columns}))
    if columns > max_columns:
        raise UserError(Message("data.csv_too_many_columns", {"columns": columns, "max": max_columns}))
    has_header = not any(_is_number(cell) for cell in rows[0][1][:-1])
    names = tuple(rows[0][1][:-1]) if has_header else tuple(f"x{i}" for i in range(1, columns))
    body = rows[1:] if has_header else rows
    if not body:
        raise UserError(Message("data.csv_empty"))
    if len(body) > max_rows:
        raise UserError(Message("data.csv_too_many_rows", {"max": max_rows}))

    features = np.empty((len(body), columns - 1), dtype=np.float64)
    raw_labels: list[str] = []
    for r, (line, cells) in enumerate(body):
        if len(cells) != columns:
            raise UserError(Message("data.csv_ragged", {"row": line, "cells": len(cells), "columns": columns}))
        for c, cell in enumerate(cells[:-1]):
            features[r, c] = _csv_number(cell, line, c + 1, names[c])
        if not cells[-1]:
            raise UserError(Message("data.csv_empty_cell", {"row": line, "column": columns, "name": "label"}))
        raw_labels.append(cells[-1])

    if all(re.fullmatch(r"[+-]?\d+", label) for label in raw_labels):  # whole numbers: 2 < 10
        raw_labels = [str(int(label)) for label in raw_labels]  # "07" and "7" are one class
        classes = tuple(sorted(set(raw_labels), key=int))
    else:
        classes = tuple(sorted(set(raw_labels)))
    if len(classes) < 2:
        raise UserError(Message("data.csv_one_class", {"label": classes[0]}))
    if len(classes) > MAX_CSV_CLASSES:
        raise UserError(Message("data.csv_too_many_classes", {"count": len(classes), "max": MAX_CSV_CLASSES}))
    index = {name: i for i, name in enumerate(classes)}
    labels = np.array([index[label] for label in raw_labels], dtype=np.int64)
    keep = subsample(labels, max_samples or len(labels), seed)
    features, labels = features[keep], labels[keep]
    description = Message("data.desc_csv", {"rows": len(labels), "features": columns - 1, "classes": len(classes)})
    return table_data(
        "csv", features, labels, names, classes, split_indices(labels, val_fraction, test_fraction, seed), description
    )


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _csv_number(cell: str, row: int, column: int, name: str) -> float:
    if not cell:
        raise UserError(Message("data.csv_empty_cell", {"row": row, "column": column, "name": name}))
    try:
        value = float(cell)
    except ValueError:
        raise UserError(
            Message("data.csv_not_number", {"row": row, "column": column, "name": name, "value": _short(cell, 40)})
        ) from None
    if not math.isfinite(value):
        raise UserError(Message("data.csv_not_finite", {"row": row, "column": column, "name": name, "value": cell}))
    return value
