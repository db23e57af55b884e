"""Walk two streams sorted by the same strictly increasing key side by side, in constant memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

L = TypeVar("L")
R = TypeVar("R")
_END = object()


def outer_join(
    left: Iterable[L],
    right: Iterable[R],
    left_key: Callable[[L], Any] = lambda item: item,
    right_key: Callable[[R], Any] = lambda item: item,
) -> Iterator[tuple[L | None, R | None]]:
    """Pairs (left item or None, right item or None) for every key of either stream, in key order."""
    lefts, rights = iter(left), iter(right)
    a, b = next(lefts, _END), next(rights, _END)
    while a is not _END or b is not _END:
        if b is _END or (a is not _END and left_key(a) < right_key(b)):
            yield a, None
            a = next(lefts, _END)
        elif a is _END or right_key(b) < left_key(a):
            yield None, b
            b = next(rights, _END)
        else:
            yield a, b
            a, b = next(lefts, _END), next(rights, _END)
