"""The curriculum's worked matrices (SEEDS.md), by section of the Convolution page: each fills the input and the kernel.

Golden values: ``tests/test_ops.py`` checks that these inputs give the outputs SEEDS.md states.
"""

from __future__ import annotations

MATRIX_A = [[1, 2, 0, 3, 1], [0, 1, 2, 3, 1], [1, 2, 1, 0, 0], [5, 2, 3, 1, 1], [2, 1, 0, 1, 1]]
KERNEL_A = [[1, 2, 1], [0, 1, 0], [2, 1, 0]]
MATRIX_B = [[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]]
KERNEL_B = [[2, 0, 1], [0, 1, 2], [1, 0, 2]]

# section -> example name -> (input, kernel or None); "random" (seeded) is offered beside them
MATRIX_EXAMPLES: dict[str, dict[str, tuple[list[list[int]], list[list[int]] | None]]] = {
    "matrix": {"A": (MATRIX_A, KERNEL_A), "B": (MATRIX_B, KERNEL_B)},
    "pool": {
        "P4": ([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], None),
        "A": (MATRIX_A, None),
        "G3": ([[0, 1, 2], [3, 4, 5], [6, 7, 8]], None),
    },
    "transposed": {"T": ([[0, 1], [2, 3]], [[0, 1], [2, 3]])},
}
