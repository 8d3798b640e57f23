"""Run one call in several threads at once (Streamlit serves sessions from threads)."""

from __future__ import annotations

import threading
from typing import Any, Callable


def run_in_threads(call: Callable[[], Any], count: int) -> list[Any]:
    """call() in `count` threads started together; their results. Any error is raised here."""
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(call())
        except BaseException as err:  # re-raised in the caller's thread
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
