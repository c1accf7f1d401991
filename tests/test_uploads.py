"""Hostile and honest uploads (core/uploads.py): zips of class folders and CSV tables. No network."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
import torch
from conftest import refused, rendered
from PIL import Image

from core.images import decode_image
from core.uploads import load_csv, load_image_zip

# --- zips -------------------------------------------------------------------------------------


def png(color, size=(20, 12)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def make_zip(entries: dict[str, bytes], *, symlinks: tuple[str, ...] = (), compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            if name in symlinks:
                info.create_system = 3  # Unix, so the mode bits mean what they say
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def good_entries() -> dict[str, bytes]:
    entries = {}
    for i in range(5):
        entries[f"pets/cats/cat{i}.png"] = png((200, 40 + i, 40))
        entries[f"pets/dogs/dog{i}.png"] = png((40, 40 + i, 200), size=(12, 20))
    return entries


def test_a_zip_of_class_folders_loads_and_ignores_mac_and_hidden_junk():
    junk = {
        "__MACOSX/pets/cats/._cat0.png": b"\x00\x05\x16\x07junk",
        "pets/.DS_Store": b"junk",
        "pets/cats/.hidden.png": b"junk",
        "pets/Thumbs.db": b"junk",
    }
    loaded, problems = load_image_zip(make_zip({**good_entries(), **junk}), input_size=16)
    assert problems == []
    assert loaded.classes == ("cats", "dogs") and loaded.input_shape == (3, 16, 16)
    assert sum(sum(c) for c in loaded.class_counts().values()) == 10
    assert "10" in rendered(loaded.description)


def test_a_zip_picture_through_apply_equals_its_training_tensor():
    entries = good_entries()
    loaded, _ = load_image_zip(make_zip(entries), input_size=16, val_fraction=0.0, test_fraction=0.0)
    expected = [
        loaded.preprocessing.apply(decode_image(blob, name, max_bytes=2**20, max_pixels=10**6, max_side=1024).image)
        for name, blob in entries.items()
    ]
    for x in loaded.x_train:
        assert any(torch.equal(x, e) for e in expected)


def test_a_corrupt_picture_is_skipped_and_listed_while_the_others_load():
    entries = {**good_entries(), "pets/cats/broken.png": png((1, 2, 3))[:40], "pets/dogs/notes.txt": b"hello"}
    loaded, problems = load_image_zip(make_zip(entries))
    assert sum(sum(c) for c in loaded.class_counts().values()) == 10
    texts = [rendered(m) for m in problems]
    assert len(texts) == 2 and any("broken.png" in t for t in texts) and any("notes.txt" in t for t in texts)


def test_a_nested_zip_and_a_loose_file_are_not_opened_but_listed():
    entries = {
        **good_entries(),
        "pets/cats/more.zip": make_zip({"a/b.png": png((0, 0, 0))}),
        "readme.png": png((9, 9, 9)),
    }
    loaded, problems = load_image_zip(make_zip(entries))
    assert [m.key for m in problems] == ["data.zip_nested_archive", "data.zip_outside_folder"]
    assert loaded.classes == ("cats", "dogs")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("../../etc/cats/x.png", "data.zip_path_escape"),
        ("pets/cats/../../../x.png", "data.zip_path_escape"),
        ("/etc/cats/x.png", "data.zip_absolute_path"),
        ("C:/Windows/cats/x.png", "data.zip_absolute_path"),
        ("..\\..\\cats\\x.png", "data.zip_path_escape"),
    ],
)
def test_a_zip_with_a_path_leaving_its_folder_is_refused(name, key):
    message = refused(lambda: load_image_zip(make_zip({**good_entries(), name: png((0, 0, 0))})), key)
    assert message.params["name"] == name


def test_a_zip_with_a_symbolic_link_is_refused():
    entries = {**good_entries(), "pets/cats/link.png": b"/etc/passwd"}
    message = refused(lambda: load_image_zip(make_zip(entries, symlinks=("pets/cats/link.png",))), "data.zip_symlink")
    assert message.params["name"] == "pets/cats/link.png"


def test_a_zip_bomb_entry_is_refused_by_its_compression_ratio():
    entries = {**good_entries(), "pets/cats/bomb.png": bytes(4 * 2**20)}  # 4 MiB of zeros, ~4 KiB packed
    message = refused(lambda: load_image_zip(make_zip(entries)), "data.zip_ratio")
    assert message.params["ratio"] > 100 and message.params["max"] == 100


def test_a_zip_that_unpacks_too_large_is_refused():
    stored = make_zip(good_entries(), compression=zipfile.ZIP_STORED)
    message = refused(lambda: load_image_zip(stored, max_total_bytes=500), "data.zip_too_big_unpacked")
    assert message.params["max_mb"] == 500 / 2**20


def test_a_zip_with_too_many_entries_is_refused():
    message = refused(lambda: load_image_zip(make_zip(good_entries()), max_entries=9), "data.zip_too_many_entries")
    assert message.params == {"count": 10, "max": 9}


def test_a_zip_with_one_class_only_is_refused():
    cats = {name: blob for name, blob in good_entries().items() if "/cats/" in name}
    message = refused(lambda: load_image_zip(make_zip(cats)), "data.zip_too_few_classes")
    assert message.params["found"] == "cats"


def test_bytes_that_are_no_zip_or_too_many_are_refused():
    assert refused(lambda: load_image_zip(b"certainly not a zip"), "data.zip_not_zip")
    assert refused(lambda: load_image_zip(make_zip(good_entries()), max_bytes=100), "data.upload_too_big")


# --- CSV -------------------------------------------------------------------------------------


def test_a_csv_with_a_header_and_word_labels_loads_standardised():
    rows = [f"{i},{i % 7 * 0.5},{'big' if i % 2 else 'small'}" for i in range(40)]
    table = load_csv(("height,width,size\n" + "\n".join(rows)).encode())
    assert table.classes == ("big", "small") and table.input_shape == (2,)
    assert table.standardization.feature_names == ("height", "width")
    assert len(table.y_train) + len(table.y_val) + len(table.y_test) == 40
    assert torch.allclose(table.x_train.mean(dim=0), torch.zeros(2), atol=1e-5)


def test_a_csv_without_a_header_and_with_number_labels_sorts_them_as_numbers():
    rows = [f"{i};{i * 2};{10 if i % 2 else '02'}" for i in range(20)]
    table = load_csv("\n".join(rows).encode())
    assert table.classes == ("2", "10") and table.class_counts()["train"] == [7, 7]
    assert table.standardization.feature_names == ("x1", "x2")


def test_a_non_numeric_cell_is_named_by_row_and_column():
    text = "a,b,label\n1,2,x\n3,4,y\n5,five,x\n"
    message = refused(lambda: load_csv(text.encode()), "data.csv_not_number")
    assert message.params == {"row": 4, "column": 2, "name": "b", "value": "five"}
    assert "Row 4, column 2 (b)" in message.text("en")


def test_a_nan_or_empty_cell_is_refused_with_its_place():
    message = refused(lambda: load_csv(b"1,2,x\n3,nan,y\n"), "data.csv_not_finite")
    assert (message.params["row"], message.params["column"]) == (2, 2)
    message = refused(lambda: load_csv(b"1,2,x\n3,,y\n"), "data.csv_empty_cell")
    assert (message.params["row"], message.params["column"]) == (2, 2)


def test_a_csv_with_one_class_or_a_measurement_as_label_is_refused():
    assert refused(lambda: load_csv(b"1,2,x\n3,4,x\n"), "data.csv_one_class").params["label"] == "x"
    measured = "\n".join(f"{i},{i * 0.37:.2f}" for i in range(200)).encode()
    assert refused(lambda: load_csv(measured), "data.csv_too_many_classes").params == {"count": 200, "max": 100}


def test_an_empty_csv_is_refused():
    assert refused(lambda: load_csv(b""), "data.csv_empty")
    assert refused(lambda: load_csv(b"\n\n"), "data.csv_empty")
    assert refused(lambda: load_csv(b"a,b,label\n"), "data.csv_empty")


def test_a_csv_with_too_many_rows_or_bytes_is_refused():
    rows = "\n".join(f"{i},{i % 2}" for i in range(10)).encode()
    assert refused(lambda: load_csv(rows, max_rows=5), "data.csv_too_many_rows").params["max"] == 5
    refused(lambda: load_csv(rows, max_bytes=10), "data.upload_too_big")


def test_a_malformed_csv_names_the_broken_rule():
    assert refused(lambda: load_csv(b"1,2,x\n3,y\n"), "data.csv_ragged").params == {"row": 2, "cells": 2, "columns": 3}
    refused(lambda: load_csv(b"x\ny\n"), "data.csv_too_few_columns")
    refused(lambda: load_csv(b"1,2,x\n\xff\xfe,4,y\n"), "data.csv_not_utf8")


def test_a_csv_whose_quote_never_closes_is_refused_naming_the_row_where_it_opens():
    # issue 12 item 16: the rest of the file became one label cell, and the table loaded as if fine
    text = b'height,width,label\n1,2,small\n3,4,"big\n5,6,small\n7,8,big\n9,10,small\n'
    message = refused(lambda: load_csv(text), "data.csv_unclosed_quote")
    assert message.params == {"row": 3}
    quoted = b'height,width,label\n1,2,"small"\n3,4,"big, really"\n5,6,"two\nlines"\n'  # closed quotes still load
    assert load_csv(quoted).classes == ("big, really", "small", "two\nlines")
