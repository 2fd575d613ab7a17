"""Progress lines for long jobs: step, loss, elapsed, ETA, to a logger that writes to the rule's log."""

from __future__ import annotations

import logging
import sys
import time


def get_logger(name: str, logfile: str | None = None) -> logging.Logger:
    """A logger writing timestamped lines to ``logfile`` (the rule's log) and to stderr."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s", "%H:%M:%S")
    handlers = [logging.StreamHandler(sys.stderr)]
    if logfile:
        handlers.append(logging.FileHandler(logfile, mode="w"))
    for h in handlers:
        h.setFormatter(fmt)
        logger.addHandler(h)
    logger.propagate = False
    return logger


class Progress:
    """Log 'what i/n, elapsed, ETA' at most every ``every`` seconds (and at the end)."""

    def __init__(self, logger: logging.Logger, total: int, what: str = "step", every: float = 5.0):
        self.logger, self.total, self.what, self.every = logger, total, what, every
        self.t0 = time.perf_counter()
        self.last = -float("inf")

    def update(self, done: int, **values) -> None:
        now = time.perf_counter()
        if done < self.total and now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.t0
        eta = elapsed / done * (self.total - done) if done else float("nan")
        extra = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
        self.logger.info(
            f"{self.what} {done}/{self.total} elapsed={elapsed:.1f}s eta={eta:.1f}s {extra}".rstrip()
        )
