"""Real concurrency for PostgreSQL tests: tasks in threads, released at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def at_once(*tasks: Callable[[], object], timeout: float = 120) -> list[object]:
    """Runs the tasks in threads released together; returns their results or exceptions.

    Each thread has its own database connection and closes it, so the test database can be
    dropped afterwards.
    """
    barrier = threading.Barrier(len(tasks))
    results: list[object] = [RuntimeError("did not finish")] * len(tasks)

    def run(index: int, task: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = task()
        except BaseException as error:  # reported to the caller
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a task hangs"
    return results
