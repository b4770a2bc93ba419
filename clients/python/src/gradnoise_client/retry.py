"""When and how long the streaming helpers wait before they reconnect.

Only two failures clear by themselves, so only they are retried:

- UNAVAILABLE: the server restarted, a replica went away, or the connection dropped.
- RESOURCE_EXHAUSTED that carries a google.rpc.QuotaFailure: a limit the server enforces and that
  frees up, e.g. a StreamMetrics watcher that fell too far behind live training (subject
  ``run:<id>``) or too many open streams of one client (``client:<id>``). A RESOURCE_EXHAUSTED
  without one is gRPC's own message-size limit, which the same request hits again.

Attempts count failures in a row without progress: a stream that delivered anything new since the
last failure starts counting from zero again, so a long watch survives any number of reconnects
that each make headway.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import grpc

from gradnoise_client.errors import GradnoiseError


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff between reconnects.

    Attributes:
      max_attempts: reconnects in a row without progress before the last error is raised; 0 never
        reconnects. Default 8.
      initial_backoff: seconds before the first reconnect. Default 0.1.
      max_backoff: the longest wait, in seconds. Default 5.
      multiplier: each wait in a row is this many times the previous one. Default 2.
      jitter: each wait is scaled by a uniform factor in [1 - jitter, 1 + jitter], so that clients
        dropped together do not reconnect together. In [0, 1]. Default 0.2.
    """

    max_attempts: int = 8
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    multiplier: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        _check("max_attempts", self.max_attempts, self.max_attempts >= 0, "an integer >= 0")
        _check("initial_backoff", self.initial_backoff, self.initial_backoff >= 0, "a number of seconds >= 0")
        _check("max_backoff", self.max_backoff, self.max_backoff >= self.initial_backoff, ">= initial_backoff")
        _check("multiplier", self.multiplier, self.multiplier >= 1, "a number >= 1")
        _check("jitter", self.jitter, 0 <= self.jitter <= 1, "a number in [0, 1]")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before reconnect number `attempt` (1 for the first in a row)."""
        base = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        return base * random.uniform(1 - self.jitter, 1 + self.jitter)


def is_retryable(error: GradnoiseError) -> bool:
    """True for the failures a reconnect can get past (see the module docstring)."""
    if error.code == grpc.StatusCode.UNAVAILABLE:
        return True
    return error.code == grpc.StatusCode.RESOURCE_EXHAUSTED and len(error.quota_violations) > 0


def _check(field: str, value: object, ok: bool, allowed: str) -> None:
    if not ok:
        raise ValueError(f"RetryPolicy.{field}: got {value!r}; allowed: {allowed}")
