"""workalendar's China calendar, which ours keeps the API and the answers of."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from workalendar.asia import China


@contextmanager
def workalendar_china() -> Iterator[China]:
    """workalendar's China, its warnings silenced while it is used: it warns that it covers
    2018-2023 only, and calls a deprecated lunar function of its own."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield China()
