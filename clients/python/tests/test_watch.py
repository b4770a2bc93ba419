"""MetricsWatch against scripted streams: where it reconnects from, and what it yields once."""

from __future__ import annotations

import unittest

import grpc
from fakes import FakeRpcError, FakeStream, FakeStub, quota_error

from gradnoise.v1 import training_pb2
from gradnoise_client import GradnoiseError, MetricsWatch, RetryPolicy

COMPLETED = training_pb2.RUN_STATUS_COMPLETED
RUNNING = training_pb2.RUN_STATUS_RUNNING


def batch(*points: tuple[int, str], final: bool = False, status: int = RUNNING) -> training_pb2.StreamMetricsResponse:
    return training_pb2.StreamMetricsResponse(
        points=[training_pb2.MetricPoint(step=s, name=n, value=float(s)) for s, n in points],
        status=status,
        final=final,
    )


def end() -> training_pb2.StreamMetricsResponse:
    return batch(final=True, status=COMPLETED)


def watch(stub: FakeStub, **options: object) -> tuple[MetricsWatch, list[float]]:
    sleeps: list[float] = []
    policy = options.pop("retry", RetryPolicy(max_attempts=3, jitter=0))
    w = MetricsWatch(stub, "run-1", retry=policy, sleep=sleeps.append, **options)  # type: ignore[arg-type]
    return w, sleeps


def pairs(points: list[training_pb2.MetricPoint]) -> list[tuple[int, str]]:
    return [(p.step, p.name) for p in points]


class ReconnectTest(unittest.TestCase):
    def test_a_watcher_dropped_mid_step_resumes_one_step_below_and_yields_each_point_once(self) -> None:
        stub = FakeStub(
            [
                FakeStream([batch((1, "grad_norm"), (1, "loss")), batch((2, "grad_norm"))], quota_error("run:run-1")),
                FakeStream([batch((2, "grad_norm"), (2, "loss"), (3, "grad_norm"), (3, "loss")), end()]),
            ]
        )
        retries: list[tuple[str, int, int]] = []
        w, sleeps = watch(stub, on_retry=lambda e, attempt, since: retries.append((e.quota_violations[0].subject, attempt, since)))
        got = pairs(list(w))
        self.assertEqual(got, [(1, "grad_norm"), (1, "loss"), (2, "grad_norm"), (2, "loss"), (3, "grad_norm"), (3, "loss")])
        self.assertEqual([r.since_step for r in stub.requests], [0, 1])
        self.assertEqual(retries, [("run:run-1", 1, 1)])
        self.assertEqual(sleeps, [0.1])
        self.assertEqual((w.status, w.final, w.reconnects, w.last_step), (COMPLETED, True, 1, 3))
        self.assertTrue(all(s.cancelled for s in stub.opened))

    def test_a_point_of_a_lower_step_that_the_broken_stream_missed_is_still_yielded(self) -> None:
        # test_accuracy of step 4 arrives after loss of step 5 on the second stream.
        stub = FakeStub(
            [
                FakeStream([batch((4, "loss"), (5, "loss"))], FakeRpcError(grpc.StatusCode.UNAVAILABLE, "gone")),
                FakeStream([batch((4, "loss"), (4, "test_accuracy"), (5, "loss"), (6, "loss")), end()]),
            ]
        )
        w, _ = watch(stub)
        self.assertEqual(pairs(list(w)), [(4, "loss"), (5, "loss"), (4, "test_accuracy"), (6, "loss")])
        self.assertEqual(stub.requests[1].since_step, 4)

    def test_a_stream_that_ends_without_its_final_message_is_reopened(self) -> None:
        stub = FakeStub([FakeStream([batch((1, "loss"))]), FakeStream([batch((1, "loss"), (2, "loss")), end()])])
        w, _ = watch(stub, since_step=0, names=["loss"])
        self.assertEqual(pairs(list(w)), [(1, "loss"), (2, "loss")])
        self.assertEqual([list(r.names) for r in stub.requests], [["loss"], ["loss"]])

    def test_the_first_reconnect_keeps_the_callers_since_step(self) -> None:
        stub = FakeStub(
            [FakeStream([], FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")), FakeStream([batch((11, "loss")), end()])]
        )
        w, _ = watch(stub, since_step=10)
        self.assertEqual(pairs(list(w)), [(11, "loss")])
        self.assertEqual([r.since_step for r in stub.requests], [10, 10])

    def test_gives_up_after_max_attempts_in_a_row_without_progress(self) -> None:
        down = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
        stub = FakeStub([FakeStream([], down) for _ in range(4)])
        w, sleeps = watch(stub)
        with self.assertRaises(GradnoiseError) as raised:
            list(w)
        self.assertEqual(raised.exception.code, grpc.StatusCode.UNAVAILABLE)
        self.assertIs(raised.exception.__cause__, down)
        self.assertEqual(sleeps, [0.1, 0.2, 0.4])

    def test_progress_resets_the_count_of_failures_in_a_row(self) -> None:
        down = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
        streams = [FakeStream([batch((step, "loss"))], down) for step in range(1, 7)]
        stub = FakeStub([*streams, FakeStream([end()])])
        w, sleeps = watch(stub, retry=RetryPolicy(max_attempts=1, jitter=0))
        self.assertEqual([p.step for p in w], [1, 2, 3, 4, 5, 6])
        self.assertEqual(sleeps, [0.1] * 6)

    def test_errors_that_a_reconnect_cannot_fix_are_raised_at_once(self) -> None:
        for error in (
            FakeRpcError(grpc.StatusCode.NOT_FOUND, "run run-1 not found"),
            FakeRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, "message larger than max"),
        ):
            stub = FakeStub([FakeStream([batch((1, "loss"))], error)])
            w, sleeps = watch(stub)
            self.assertEqual(next(w).step, 1)
            with self.assertRaises(GradnoiseError) as raised:
                next(w)
            self.assertEqual(raised.exception.code, error.code())
            self.assertEqual(sleeps, [])

    def test_closing_the_watch_cancels_the_open_stream(self) -> None:
        stub = FakeStub([FakeStream([batch((1, "loss"), (2, "loss")), end()])])
        w, _ = watch(stub)
        next(w)
        w.close()
        self.assertTrue(stub.opened[0].cancelled)
        self.assertEqual(list(w), [])

    def test_a_negative_since_step_is_refused_by_name(self) -> None:
        with self.assertRaisesRegex(ValueError, r"^since_step: got -1; allowed: an integer >= 0$"):
            MetricsWatch(FakeStub([]), "run-1", since_step=-1)


if __name__ == "__main__":
    unittest.main()
