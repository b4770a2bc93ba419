"""The typed helper over the generated stubs: runs, metrics, checkpoints and sweeps.

Each method is one RPC (or a paged series of them), raises GradnoiseError instead of grpc.RpcError,
and takes and returns the generated messages of gradnoise.v1 (training_pb2, sweeps_pb2), so nothing
the proto can say is hidden. The raw stubs stay at hand as ``client.training`` and ``client.sweeps``
for every RPC this class does not wrap (ListTrainers, GetRunMetrics, UpdateRun, DeleteRun,
GetSweepCurves).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, TypeVar, Union

import grpc

from gradnoise.v1 import sweeps_pb2, sweeps_pb2_grpc, training_pb2, training_pb2_grpc
from gradnoise_client.channel import TlsOptions, open_channel
from gradnoise_client.checkpoint import CheckpointFile, download_checkpoint
from gradnoise_client.errors import translate_errors
from gradnoise_client.retry import RetryPolicy
from gradnoise_client.watch import MetricsWatch, OnRetry

T = TypeVar("T")


class Client:
    """A connection to one gradnoise server. Use it as a context manager, or call close().

    Attributes:
      channel: the gRPC channel (with the token interceptor when a token was given).
      training: the generated TrainingService stub.
      sweeps: the generated SweepService stub.
      timeout: deadline of each unary call in seconds; None: none. Streams have no deadline.
      retry: how watch_metrics and download_checkpoint reconnect.
    """

    def __init__(self, channel: grpc.Channel, *, timeout: Optional[float] = 30.0, retry: RetryPolicy = RetryPolicy()):
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout: got {timeout!r}; allowed: seconds > 0, or None for no deadline")
        self.channel = channel
        self.training = training_pb2_grpc.TrainingServiceStub(channel)
        self.sweeps = sweeps_pb2_grpc.SweepServiceStub(channel)
        self.timeout = timeout
        self.retry = retry

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _unary(self, method: Callable[..., T], request: Any) -> T:
        with translate_errors():
            return method(request, timeout=self.timeout)

    def _paged(self, method: Callable[..., Any], request: Any, items: str) -> Iterator[Any]:
        """Every item of every page: the request is sent again with each next_page_token."""
        while True:
            response = self._unary(method, request)
            yield from getattr(response, items)
            if not response.next_page_token:
                return
            request.page_token = response.next_page_token

    # Runs.

    def start_run(self, request: Optional[training_pb2.StartRunRequest] = None, **fields: Any) -> training_pb2.Run:
        """Queues a run: `request`, or a StartRunRequest built from `fields` (e.g. trainer="mlp",
        max_steps=100, mlp=training_pb2.MlpConfig(depth=2)). Answers at once with the QUEUED run."""
        return self._unary(self.training.StartRun, _request(training_pb2.StartRunRequest, request, fields))

    def get_run(self, run_id: str) -> training_pb2.Run:
        return self._unary(self.training.GetRun, training_pb2.GetRunRequest(run_id=run_id))

    def list_runs(self, **filters: Any) -> Iterator[training_pb2.Run]:
        """Every run matching `filters` (ListRunsRequest fields: statuses, trainer, labels, sweep_id,
        page_size), newest first, page after page."""
        return self._paged(self.training.ListRuns, training_pb2.ListRunsRequest(**filters), "runs")

    def cancel_run(self, run_id: str) -> training_pb2.Run:
        return self._unary(self.training.CancelRun, training_pb2.CancelRunRequest(run_id=run_id))

    def watch_metrics(
        self,
        run_id: str,
        *,
        since_step: int = 0,
        names: Sequence[str] = (),
        on_retry: Optional[OnRetry] = None,
    ) -> MetricsWatch:
        """The run's metric points (those of `names`, all when empty) with step > since_step, replayed
        then live until the run ends, reconnecting after UNAVAILABLE or RESOURCE_EXHAUSTED (see
        MetricsWatch). Its ``status`` is the terminal RunStatus once iterated to the end."""
        return MetricsWatch(
            self.training, run_id, since_step=since_step, names=names, retry=self.retry, on_retry=on_retry
        )

    def list_checkpoints(self, run_id: str) -> Iterator[training_pb2.CheckpointInfo]:
        """The run's stored checkpoints, ascending step: the steps download_checkpoint can fetch."""
        return self._paged(
            self.training.ListCheckpoints, training_pb2.ListCheckpointsRequest(run_id=run_id), "checkpoints"
        )

    def download_checkpoint(
        self,
        run_id: str,
        path: Union[str, os.PathLike],
        *,
        step: int = 0,
        on_retry: Optional[OnRetry] = None,
    ) -> CheckpointFile:
        """Writes checkpoint `step` (0: the latest) to `path`, resumed by offset across reconnects
        and verified by size and sha256 (see checkpoint.py)."""
        return download_checkpoint(self.training, run_id, path, step=step, retry=self.retry, on_retry=on_retry)

    # Sweeps.

    def start_sweep(self, request: Optional[sweeps_pb2.StartSweepRequest] = None, **fields: Any) -> sweeps_pb2.Sweep:
        """Creates a sweep and queues all its runs: `request`, or a StartSweepRequest from `fields`."""
        return self._unary(self.sweeps.StartSweep, _request(sweeps_pb2.StartSweepRequest, request, fields))

    def get_sweep(
        self,
        sweep_id: str,
        *,
        objective: Optional[sweeps_pb2.SweepObjective] = None,
        selection: Optional[sweeps_pb2.SweepSelection] = None,
    ) -> sweeps_pb2.Sweep:
        """The sweep with its report (Sweep.report), computed now under its own objective or
        `objective`, with the restart selection when `selection` is given."""
        request = sweeps_pb2.GetSweepRequest(sweep_id=sweep_id)
        if objective is not None:
            request.objective.CopyFrom(objective)
        if selection is not None:
            request.selection.CopyFrom(selection)
        return self._unary(self.sweeps.GetSweep, request)

    def list_sweeps(
        self,
        *,
        labels: Optional[Mapping[str, str]] = None,
        state: int = sweeps_pb2.SWEEP_STATE_UNSPECIFIED,
        page_size: int = 0,
    ) -> Iterator[sweeps_pb2.Sweep]:
        """The project's sweeps carrying every label of `labels`, in `state` (any when unspecified),
        newest first, without their reports."""
        request = sweeps_pb2.ListSweepsRequest(labels=labels or {}, state=state, page_size=page_size)
        return self._paged(self.sweeps.ListSweeps, request, "sweeps")

    def list_sweep_runs(self, sweep_id: str) -> Iterator[sweeps_pb2.SweepRun]:
        """The sweep's runs in grid order (cell, seed, arm)."""
        return self._paged(self.sweeps.ListSweepRuns, sweeps_pb2.ListSweepRunsRequest(sweep_id=sweep_id), "runs")

    def cancel_sweep(self, sweep_id: str) -> sweeps_pb2.CancelSweepResponse:
        """Cancels every unfinished run of the sweep, gracefully; idempotent."""
        return self._unary(self.sweeps.CancelSweep, sweeps_pb2.CancelSweepRequest(sweep_id=sweep_id))


def connect(
    target: str,
    *,
    token: Optional[str] = None,
    tls: Union[TlsOptions, bool, None] = None,
    timeout: Optional[float] = 30.0,
    retry: RetryPolicy = RetryPolicy(),
    options: Sequence[tuple[str, Any]] = (),
) -> Client:
    """A Client of the server at `target` ("host:port").

    Args:
      token: sent as ``authorization: Bearer <token>`` on every call. Default None: no token.
      tls: None or False (the default): plaintext; True: TLS trusting gRPC's roots; TlsOptions: TLS
        with a CA, a client certificate (mTLS) and/or a server name override.
      timeout: deadline of each unary call, in seconds; None: none. Default 30.
      retry: how streams reconnect. Default RetryPolicy().
      options: extra gRPC channel options, e.g. [("grpc.max_receive_message_length", 16 << 20)].
    """
    return Client(open_channel(target, token=token, tls=tls, options=options), timeout=timeout, retry=retry)


def _request(message_type: Callable[..., T], request: Optional[T], fields: Mapping[str, Any]) -> T:
    if request is not None and fields:
        raise TypeError(f"pass a request or its fields, not both (got request and {sorted(fields)})")
    return request if request is not None else message_type(**fields)
