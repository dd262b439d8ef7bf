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


class Background:
    """A task in a thread with its own connection, started at once; `result()` waits for it."""

    def __init__(self, task: Callable[[], object]) -> None:
        self._task = task
        self._result: object = RuntimeError("did not finish")
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._task()
        except BaseException as error:  # reported to the caller
            self._result = error
        finally:
            connection.close()

    def is_waiting(self, seconds: float = 0.5) -> bool:
        """Whether the task is still running after `seconds` (blocked on a lock, say)."""
        self._thread.join(seconds)
        return self._thread.is_alive()

    def result(self, timeout: float = 30) -> object:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "a task hangs"
        return self._result
