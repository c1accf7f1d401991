"""Trained models kept in memory between page runs, bounded by the bytes of their tensors.

A run saves its model after every epoch, and each version is a new model to load: a cache bounded
by count (eight entries) held eight versions of one large run as easily as eight small runs. This
one keeps one version per run, drops the least recently used models once their tensors together
pass ``max_bytes``, and never keeps a model larger than the whole budget.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from core.model_files import LoadedModel


def model_bytes(loaded: LoadedModel) -> int:
    """Return the bytes of a loaded model's parameters and buffers."""
    return sum(t.numel() * t.element_size() for t in loaded.model.state_dict().values())


class ModelCache:
    """Loaded models by key (e.g. a run id) and version; shared between sessions, so thread-safe."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[str, LoadedModel, int]] = OrderedDict()  # key -> (version, model, bytes)
        self._lock = threading.Lock()

    def get(self, key: str, version: str, load: Callable[[], LoadedModel]) -> LoadedModel:
        """Return the model ``key`` at ``version``, calling ``load()`` when it is not kept."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept[0] == version:
                self._entries.move_to_end(key)
                return kept[1]
        loaded = load()  # outside the lock: other sessions' models stay available meanwhile
        size = model_bytes(loaded)
        with self._lock:
            self._entries.pop(key, None)  # an older version of the same run is never asked for again
            if size <= self.max_bytes:
                self._entries[key] = (version, loaded, size)
            while self.used_bytes > self.max_bytes:
                self._entries.popitem(last=False)
        return loaded

    @property
    def used_bytes(self) -> int:
        """Return the bytes of every model kept."""
        return sum(size for _, _, size in self._entries.values())

    def keys(self) -> list[str]:
        """Return the keys kept, least recently used first."""
        with self._lock:
            return list(self._entries)
