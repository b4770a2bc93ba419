#!/usr/bin/env python3
"""Your own Keras model on gradnoise: describe it, point at NumPy data, train with gradient noise,
and load the trained weights back into NumPy.

    ./generate.sh                                    # once: stubs into ./gen
    python3 keras_model.py --target localhost:50051 --data-dir /usr/share/datasets/blobs

1. The model is a Keras topology, the JSON of tf.keras (<= 2.15) `model.to_json()`. With
   TensorFlow 2.x installed it is built with tf.keras; without it the same JSON is written by hand
   (what `to_json()` prints for a Sequential of two Dense layers). Keras 3 JSON is refused by the
   server: tfjs-layers 4.22 cannot read it.
2. The data is an .npz file written with NumPy (x_train, y_train, x_test, y_test) in a directory
   the server may read (its GRADNOISE_DATA_ROOTS): here three Gaussian blobs in 8 dimensions.
3. StartRun with the typed LayersConfig, then StreamMetrics until the run ends.
4. GetCheckpoint, read the safetensors file into NumPy arrays (`model/<layer>/<weight>`), and
   recompute the test accuracy with NumPy alone: it matches what the server reported.

Prints one JSON object per step with --json (used by the integration test), else a readable log.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
import numpy as np  # noqa: E402
from gradnoise.v1 import training_pb2, training_pb2_grpc  # noqa: E402

import safetensors_reader  # noqa: E402

FEATURES, CLASSES, HIDDEN = 8, 3, 16


def topology_json() -> str:
    """A Sequential 8 -> 16 ReLU -> 3 softmax, as tf.keras 2.x model.to_json() writes it."""
    try:
        import tensorflow as tf  # noqa: PLC0415

        if int(tf.keras.__version__.split(".")[0]) < 3:
            model = tf.keras.Sequential(
                [
                    tf.keras.layers.InputLayer(input_shape=(FEATURES,), name="input"),
                    tf.keras.layers.Dense(HIDDEN, activation="relu", name="hidden"),
                    tf.keras.layers.Dense(CLASSES, activation="softmax", name="output"),
                ],
                name="blobs",
            )
            return model.to_json()
    except ImportError:
        pass

    def dense(name, units, activation):
        return {
            "module": "keras.layers",
            "class_name": "Dense",
            "config": {
                "name": name,
                "trainable": True,
                "dtype": "float32",
                "units": units,
                "activation": activation,
                "use_bias": True,
                "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None},
                "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
                "kernel_regularizer": None,
                "bias_regularizer": None,
                "activity_regularizer": None,
                "kernel_constraint": None,
                "bias_constraint": None,
            },
            "registered_name": None,
        }

    return json.dumps(
        {
            "class_name": "Sequential",
            "config": {
                "name": "blobs",
                "layers": [
                    {
                        "module": "keras.layers",
                        "class_name": "InputLayer",
                        "config": {"batch_input_shape": [None, FEATURES], "dtype": "float32", "sparse": False, "ragged": False, "name": "input"},
                        "registered_name": None,
                    },
                    dense("hidden", HIDDEN, "relu"),
                    dense("output", CLASSES, "softmax"),
                ],
            },
            "keras_version": "2.15.0",
            "backend": "tensorflow",
        }
    )


def write_blobs(path: str, seed: int) -> None:
    """Three Gaussian blobs, 600 training and 300 test points, saved with np.savez."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(CLASSES, FEATURES))

    def sample(n):
        y = rng.integers(0, CLASSES, size=n)
        return (centers[y] + rng.normal(size=(n, FEATURES))).astype(np.float32), y.astype(np.int64)

    x_train, y_train = sample(600)
    x_test, y_test = sample(300)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="localhost:50051", help="server address (default %(default)s)")
    parser.add_argument("--data-dir", required=True, help="a directory inside the server's data roots, for blobs.npz")
    parser.add_argument("--max-steps", type=int, default=300, help="optimizer steps (default %(default)s)")
    parser.add_argument("--eta", type=float, default=0.01, help="noise eta (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default %(default)s)")
    parser.add_argument("--token", default=os.environ.get("GRADNOISE_TOKEN", ""), help="bearer token, if the server needs one")
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    args = parser.parse_args()

    def emit(event: str, **fields):
        if args.json:
            print(json.dumps({"event": event, **fields}), flush=True)
        else:
            print(event, " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)

    npz = os.path.join(os.path.abspath(args.data_dir), "blobs.npz")
    os.makedirs(os.path.dirname(npz), exist_ok=True)
    write_blobs(npz, args.seed)
    metadata = [("authorization", f"Bearer {args.token}")] if args.token else []
    with grpc.insecure_channel(args.target) as channel:
        stub = training_pb2_grpc.TrainingServiceStub(channel)
        run = stub.StartRun(
            training_pb2.StartRunRequest(
                trainer="layers",
                layers=training_pb2.LayersConfig(
                    model=topology_json(),
                    loss=training_pb2.LAYERS_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
                    batch_size=32,
                    data=training_pb2.LayersData(format=training_pb2.LAYERS_DATA_FORMAT_NPZ, path=npz),
                ),
                optimizer=training_pb2.OptimizerConfig(kind=training_pb2.OPTIMIZER_KIND_ADAM, learning_rate=0.01),
                noise=training_pb2.NoiseConfig(eta=args.eta, schedule=training_pb2.SCHEDULE_ANNEALED),
                max_steps=args.max_steps,
                eval_every=args.max_steps // 3,
                seed=args.seed,
            ),
            metadata=metadata,
        )
        emit("started", run_id=run.id, status=training_pb2.RunStatus.Name(run.status))

        last = {}
        final_status = None
        for message in stub.StreamMetrics(training_pb2.StreamMetricsRequest(run_id=run.id, since_step=0), metadata=metadata):
            for p in message.points:
                last[p.name] = p.value
            if message.final:
                final_status = training_pb2.RunStatus.Name(message.status)
        emit("finished", status=final_status, test_accuracy=last.get("test_accuracy"), loss=last.get("loss"))

        chunks = []
        for message in stub.GetCheckpoint(training_pb2.GetCheckpointRequest(run_id=run.id, step=0), metadata=metadata):
            if message.data:
                chunks.append(message.data)
        tensors, _ = safetensors_reader.load(b"".join(chunks))

    weights = {name: np.asarray(t) for name, t in tensors.items() if name.startswith("model/")}
    emit("weights", shapes={name: list(w.shape) for name, w in sorted(weights.items())})

    # The trained network, in NumPy alone.
    data = np.load(npz)
    hidden = np.maximum(data["x_test"] @ weights["model/hidden/kernel"] + weights["model/hidden/bias"], 0)
    logits = hidden @ weights["model/output/kernel"] + weights["model/output/bias"]
    accuracy = float(np.mean(np.argmax(logits, axis=1) == data["y_test"]))
    emit("numpy", test_accuracy=accuracy)
    return 0 if final_status == "RUN_STATUS_COMPLETED" else 1


if __name__ == "__main__":
    sys.exit(main())
