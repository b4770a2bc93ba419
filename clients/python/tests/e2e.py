"""End-to-end checks of the installed gradnoise-client against a real server, for
test/integration/clients/python-package.test.ts. Prints one JSON object per line; the test asserts.

    python e2e.py mlp  --target HOST:PORT --workdir DIR   # bad input, an mlp run, checkpoints, a sweep
    python e2e.py auth --target HOST:PORT --ca CA --cert CRT --key KEY --token T   # mTLS + bearer token
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
from pathlib import Path
from typing import Any, Callable

from gradnoise.v1 import sweeps_pb2, training_pb2

import gradnoise_client
from gradnoise_client import GradnoiseError


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def error_fields(error: GradnoiseError) -> dict[str, Any]:
    return {
        "code": error.code.name,
        "message": error.message,
        "field_violations": [[v.field, v.description] for v in error.field_violations],
        "quota_violations": [[v.subject, v.description] for v in error.quota_violations],
    }


def expect_error(event: str, call: Callable[[], object]) -> None:
    try:
        call()
    except GradnoiseError as error:
        emit(event, **error_fields(error))
        return
    emit(event, code="OK")


def safetensors_names(path: Path) -> list[str]:
    """Tensor names from the file's own header: an 8-byte little-endian length, then JSON."""
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    return sorted(name for name in header if name != "__metadata__")


def mlp(args: argparse.Namespace) -> None:
    workdir = Path(args.workdir)
    with gradnoise_client.connect(args.target) as client:
        expect_error("bad_input", lambda: client.start_run(trainer="mlp", mlp=training_pb2.MlpConfig(depth=0)))

        run = client.start_run(
            trainer="mlp",
            seed=3,
            max_steps=args.steps,
            eval_every=args.steps // 2,
            checkpoint_every=args.steps // 2,
            mlp=training_pb2.MlpConfig(
                depth=2, width=16, batch_size=20, data=training_pb2.DataConfig(train_size=400, test_size=100)
            ),
            labels={"client": "gradnoise-client"},
        )
        emit("started", run_id=run.id, status=training_pb2.RunStatus.Name(run.status))

        retries: list[dict[str, Any]] = []
        watch = client.watch_metrics(
            run.id, on_retry=lambda e, attempt, since: retries.append({"since_step": since, **error_fields(e)})
        )
        seen: list[tuple[int, str]] = [(p.step, p.name) for p in watch]
        emit(
            "watched",
            status=training_pb2.RunStatus.Name(watch.status),
            final=watch.final,
            reconnects=watch.reconnects,
            retries=retries,
            points=len(seen),
            duplicates=len(seen) - len(set(seen)),
            loss_steps=sorted(step for step, name in seen if name == "loss"),
            names=sorted({name for _, name in seen}),
        )

        listed = list(client.list_checkpoints(run.id))
        emit("checkpoints", steps=[c.step for c in listed], sha256=[c.sha256 for c in listed])
        for step in (0, listed[0].step):
            got = client.download_checkpoint(run.id, workdir / f"step{step}.safetensors", step=step)
            emit(
                "downloaded",
                requested=step,
                step=got.step,
                size_bytes=got.size_bytes,
                sha256=got.sha256,
                file_sha256=hashlib.sha256(got.path.read_bytes()).hexdigest(),
                file_size=got.path.stat().st_size,
                tensors=safetensors_names(got.path),
                listed_tensors=sorted(t.name for t in got.tensors),
            )
        expect_error("missing_checkpoint", lambda: client.download_checkpoint(run.id, workdir / "x", step=args.steps + 1))
        emit("leftovers", files=sorted(p.name for p in workdir.iterdir()))

        final = client.get_run(run.id)
        emit("run", status=training_pb2.RunStatus.Name(final.status), current_step=final.current_step)

        sweeps(client)


def sweeps(client: gradnoise_client.Client) -> None:
    # A budget no run reaches before the cancel, so every run is cancelled or stopping.
    base = training_pb2.StartRunRequest(trainer="smoke", max_steps=100_000)
    expect_error(
        "bad_sweep",
        lambda: client.start_sweep(base=base, axes=[sweeps_pb2.SweepAxis(field="no_such.field", values=["1"])]),
    )
    sweep = client.start_sweep(
        name="python client",
        base=base,
        axes=[sweeps_pb2.SweepAxis(field="optimizer.learning_rate", values=["0.1", "0.05"])],
        seeds=1,
        labels={"client": "gradnoise-client"},
    )
    listed = [s.id for s in client.list_sweeps(labels={"client": "gradnoise-client"}, page_size=1)]
    runs = list(client.list_sweep_runs(sweep.id))
    cancelled = client.cancel_sweep(sweep.id)
    again = client.cancel_sweep(sweep.id)
    report = client.get_sweep(sweep.id, objective=sweeps_pb2.SweepObjective(metric="loss")).report
    emit(
        "sweep",
        listed=listed == [sweep.id],
        cells=list(sweep.cells),
        runs=len(runs),
        arms=sorted({r.arm for r in runs}),
        cancelled=cancelled.cancelled + cancelled.stopping,
        cancelled_again=again.cancelled + again.stopping,
        report_metric=report.metric,
        report_rows=len(report.rows),
    )


def auth(args: argparse.Namespace) -> None:
    tls = gradnoise_client.TlsOptions.from_files(args.ca, args.cert, args.key)
    with gradnoise_client.connect(args.target, tls=tls, token=args.token) as client:
        # The raw stub goes through the token interceptor too.
        trainers = client.training.ListTrainers(training_pb2.ListTrainersRequest())
        emit("with_token", trainers=sorted(t.name for t in trainers.trainers), runs=len(list(client.list_runs())))
    with gradnoise_client.connect(args.target, tls=tls) as client:
        expect_error("without_token", lambda: list(client.list_runs()))
    with gradnoise_client.connect(args.target, token=args.token, timeout=5) as client:
        expect_error("plaintext", lambda: list(client.list_runs()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("mlp")
    run.add_argument("--target", required=True)
    run.add_argument("--workdir", required=True)
    run.add_argument("--steps", type=int, default=30)
    secure = commands.add_parser("auth")
    for flag in ("--target", "--ca", "--cert", "--key", "--token"):
        secure.add_argument(flag, required=True)
    args = parser.parse_args()
    {"mlp": mlp, "auth": auth}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
