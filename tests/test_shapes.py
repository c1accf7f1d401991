"""The generated shapes data set (core/shapes.py): fixed by its seed, and hard for a linear model."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import load_dataset
from core.generated_shapes import draw_shapes, render_shapes, shape_params


def test_shapes_are_fixed_by_seed():
    first, labels = render_shapes(300, seed=5)
    again, labels_again = render_shapes(300, seed=5)
    other, _ = render_shapes(300, seed=6)
    assert first.shape == (300, 32, 32, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again) and np.array_equal(labels, labels_again)
    assert not np.array_equal(first, other)


def test_a_subset_of_shapes_shows_the_same_pictures_as_the_whole_set():
    whole, _ = render_shapes(1_200, seed=4)
    some = np.array([3, 777, 1_199])  # in different noise chunks
    assert np.array_equal(draw_shapes(shape_params(1_200, seed=4), some), whole[some])
    assert sum(map(sum, load_dataset("shapes", max_samples=200, seed=4).class_counts().values())) == 200


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # few iterations on purpose
def test_a_linear_model_on_raw_shape_pixels_is_poor_while_it_reads_digits_well():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    pictures, labels = render_shapes(1_500, seed=0)
    x = pictures.reshape(len(pictures), -1) / 255.0
    bunch = load_digits()
    with threadpool_limits(1):  # BLAS threads fighting over 2 cores cost 15x here
        shapes_model = LogisticRegression(max_iter=100).fit(x[:1_000], labels[:1_000])
        digits_model = LogisticRegression(max_iter=100).fit(bunch.data[:1_000] / 16, bunch.target[:1_000])
    # It fits the training pictures, so the failure is the data's, not the optimiser's ...
    assert shapes_model.score(x[:1_000], labels[:1_000]) > 0.8
    # ... yet on new pictures it barely beats chance (10%); the same model reads digits.
    assert shapes_model.score(x[1_000:], labels[1_000:]) < 0.3
    assert digits_model.score(bunch.data[1_000:] / 16, bunch.target[1_000:]) > 0.85
