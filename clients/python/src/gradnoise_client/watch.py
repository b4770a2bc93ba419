"""Following a run's metrics with StreamMetrics, across dropped streams.

StreamMetrics replays the stored points with step > since_step, then streams live ones, and ends
with a message whose ``final`` is set once the run is COMPLETED, FAILED or CANCELLED. When the
stream fails with a retryable error (see ``retry.py``: a server restart, or a watcher dropped for
falling behind live training), :class:`MetricsWatch` reconnects and carries on where it stopped:

1. It remembers, per metric name, the highest step it yielded, and the highest step overall.
2. It reconnects with ``since_step`` = that highest step - 1. The server stores a run's points in step
   order, so every step below the highest one yielded is complete; that step itself may have been cut
   off halfway through its names, so it is read again.
3. Of the replay, it yields only the points beyond the last step yielded for their name. So nothing
   is yielded twice and nothing is skipped, which is also how the server splices its replay and
   its live points (src/runs/watch.ts).

Points come in (step, name) order, except that after a reconnect a point the broken stream never
delivered (at the highest step - 1) can follow one of a later step.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator, Optional, Sequence

import grpc

from gradnoise.v1 import training_pb2
from gradnoise_client.errors import GradnoiseError
from gradnoise_client.retry import RetryPolicy, is_retryable

OnRetry = Callable[[GradnoiseError, int, int], None]
"""Called before each reconnect with the error, the attempt in a row (1, 2, ...) and the since_step."""


class MetricsWatch(Iterator[training_pb2.MetricPoint]):
    """An iterator over a run's metric points, from replay to the run's end, that reconnects.

    Iterate it to the end (or break out; the open stream is then cancelled), then read ``status``
    for the run's terminal RunStatus. A non-retryable error, or more failures in a row than the
    policy allows, is raised as a GradnoiseError from the iteration.

    Attributes:
      status: the RunStatus of the latest message (the terminal one once ``final`` is True);
        RUN_STATUS_UNSPECIFIED before the first message.
      final: True once the server sent the final message.
      reconnects: how many times the stream was opened again.
      last_step: the highest step yielded so far (since_step before the first point).
    """

    def __init__(
        self,
        stub: object,
        run_id: str,
        *,
        since_step: int = 0,
        names: Sequence[str] = (),
        retry: RetryPolicy = RetryPolicy(),
        on_retry: Optional[OnRetry] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if since_step < 0:
            raise ValueError(f"since_step: got {since_step}; allowed: an integer >= 0")
        self._stub = stub
        self._run_id = run_id
        self._since_step = since_step
        self._names = list(names)
        self._retry = retry
        self._on_retry = on_retry
        self._sleep = sleep
        self._last_by_name: dict[str, int] = {}
        self.status: int = training_pb2.RUN_STATUS_UNSPECIFIED
        self.final = False
        self.reconnects = 0
        self.last_step = since_step
        self._points = self._follow()

    def __iter__(self) -> MetricsWatch:
        return self

    def __next__(self) -> training_pb2.MetricPoint:
        return next(self._points)

    def close(self) -> None:
        """Stops following: the open stream is cancelled and iteration ends."""
        self._points.close()

    def _fresh(self, point: training_pb2.MetricPoint) -> bool:
        if point.step <= self._last_by_name.get(point.name, self._since_step):
            return False
        self._last_by_name[point.name] = point.step
        self.last_step = max(self.last_step, point.step)
        return True

    def _resume_step(self) -> int:
        return max(self._since_step, self.last_step - 1)

    def _follow(self) -> Iterator[training_pb2.MetricPoint]:
        failures = 0
        since = self._since_step
        while True:
            request = training_pb2.StreamMetricsRequest(run_id=self._run_id, since_step=since, names=self._names)
            call = self._stub.StreamMetrics(request)  # type: ignore[attr-defined]
            cause: Optional[grpc.RpcError] = None
            try:
                for message in call:
                    self.status = message.status
                    for point in message.points:
                        if self._fresh(point):
                            failures = 0
                            yield point
                    if message.final:
                        self.final = True
                        return
                # A stream never ends without its final message unless the server went away mid-way
                # (e.g. a proxy closed it cleanly): the same case as UNAVAILABLE.
                error = GradnoiseError(grpc.StatusCode.UNAVAILABLE, "StreamMetrics ended before the run's end")
            except grpc.RpcError as rpc_error:
                cause = rpc_error
                error = GradnoiseError.from_rpc_error(rpc_error)
                if not is_retryable(error):
                    raise error from rpc_error
            finally:
                call.cancel()
            failures += 1
            if failures > self._retry.max_attempts:
                raise error from cause
            since = self._resume_step()
            if self._on_retry is not None:
                self._on_retry(error, failures, since)
            self._sleep(self._retry.backoff(failures))
            self.reconnects += 1
