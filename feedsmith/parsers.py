"""Where sources' responses are parsed: in this process, or in one process beside it.

Parsing is a third of what a crawl costs (JSON or XML decoded, every text field cleaned), and the
rest (merging, classifying, writing) cannot start on a source before it is parsed. So once a
crawl's responses reach ``PARALLEL_BYTES`` in all, the rest are parsed in a second process,
forked once per crawl, while this one ingests the sources before them: the crawl uses both cores
of a 2-core machine (bench S1 and S5, bench/README.md). A crawl of less, the usual scheduled
build, parses everything here: a second process would cost more than it saves. A machine with one
core, or a system other than Linux (where ``fork`` is not the safe default), parses everything here.

Either way ``Parsers.submit`` gives a function that returns the same ``parse_bodies`` result, or
raises the exception the parser raised. If the parser process stops (killed, out of memory), the sources
it had are parsed again here and the rest too: nothing is lost but the time.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .model import Entry, evolve
from .sources import kind_named

PARALLEL_BYTES = 1 << 20
"""Once a crawl's responses reach this many bytes in all, the next go to the parser process."""

ParseResult = tuple[list[Entry], int, str | None]
"""A source's entries in order, the items skipped, and the warnings (one line, or None)."""


def parse_bodies(kind: str, source: str, bodies: list[bytes]) -> ParseResult:
    """The entries of every body of source ``source`` of kind ``kind``, in order, each marked
    with its kind (``origin``); how many items were skipped, and the warnings."""
    parse = kind_named(kind).parse
    entries: list[Entry] = []
    skipped = 0
    warnings: list[str] = []
    for body in bodies:
        parsed = parse(body, source=source)
        entries.extend(evolve(e, origin=kind) for e in parsed.entries)
        skipped += parsed.skipped
        if parsed.warning and parsed.warning not in warnings:
            warnings.append(parsed.warning)
    return entries, skipped, "; ".join(warnings) or None


def _here(kind: str, source: str, bodies: list[bytes]) -> Future[ParseResult]:
    future: Future[ParseResult] = Future()
    try:
        future.set_result(parse_bodies(kind, source, bodies))
    except Exception as exc:  # the parser's error, for the caller to report as that source's
        future.set_exception(exc)
    return future


class Parsers:
    """Parses each source's responses here or in the parser process (see the module)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._bytes = 0
        # fork is Linux's start method; elsewhere it is not safe with every system library
        self._usable = sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1

    def submit(self, kind: str, source: str, bodies: list[bytes], *,
               meanwhile: bool = True) -> Callable[[], ParseResult]:
        """Start parsing ``bodies``; the function that waits for the result (or raises what the
        parser raised). ``meanwhile`` False: the caller has nothing to do before it waits, so
        they are parsed here (a second process would only add the cost of moving them)."""
        self._bytes += sum(map(len, bodies))
        if not self._usable or not meanwhile or self._bytes < PARALLEL_BYTES:
            return _here(kind, source, bodies).result
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            future = self._pool.submit(parse_bodies, kind, source, bodies)
        except (BrokenProcessPool, OSError):
            self._usable = False
            return _here(kind, source, bodies).result

        def result() -> ParseResult:
            try:
                return future.result()
            except BrokenProcessPool:  # the parser process stopped: parse here from now on
                self._usable = False
                return parse_bodies(kind, source, bodies)
        return result

    def close(self) -> None:
        """Stop the parser process, if there is one."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


__all__ = ["PARALLEL_BYTES", "ParseResult", "Parsers", "parse_bodies"]
