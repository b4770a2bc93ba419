"""PyTorch arms of the step benchmark, as a long-lived child process (bench/lib/line-child.ts).

The same model, batch, optimizer and thread count as the tfjs arms (bench/step/tfjs-child.ts):
paper section 4.1's 20 x 50 ReLU MLP, 784 -> 10, batch 100, Simple Init N(0, 0.1^2) weights and
zero biases, softmax cross-entropy, SGD with learning rate 0.01, one thread. The data are 8,000
seeded synthetic 784-pixel rows in [0, 1) with labels, visited in a per-epoch permutation, so a
step gathers its batch rows as the tfjs session does. A step ends by reading the loss (`item()`),
as the service's worker loop reads it.

arms: `plain`; `noisy` adds N(0, sigma_t^2) to every gradient before the update, with
sigma_t^2 = eta / (1 + t)^gamma, eta = 0.01, gamma = 0.55 (paper section 3, Eq. 1).

Protocol: prints {"ready": true, "torch", "threads", "blasInfo", "arms"} (blasInfo: the build's
BLAS_INFO, which bench/lib/blas.ts reads with the child's memory maps); for each {"cmd": "run", "arm": a, "steps": n} line it runs
n steps of arm a and prints {"arm", "steps", "wallMs", "cpuMs", "loss"}; {"cmd": "quit"} ends.

    /usr/bin/python3 bench/step/torch_child.py
"""

import json
import math
import re
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as error:  # reported to the parent, which skips the PyTorch rows
    print(json.dumps({"ready": False, "error": f"PyTorch is not importable: {error}"}), flush=True)
    sys.exit(0)

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

SEED = 20161104
SIZES = [784] + [50] * 20 + [10]
BATCH = 100
TRAIN = 8000


class Arm:
    def __init__(self, eta):
        gen = torch.Generator().manual_seed(SEED)
        layers = []
        for i in range(len(SIZES) - 1):
            linear = nn.Linear(SIZES[i], SIZES[i + 1])
            with torch.no_grad():
                linear.weight.normal_(0.0, 0.1, generator=gen)
                linear.bias.zero_()
            layers.append(linear)
            if i + 2 < len(SIZES):
                layers.append(nn.ReLU())
        self.model = nn.Sequential(*layers)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.loss = nn.CrossEntropyLoss()
        self.eta = eta
        self.noise = torch.Generator().manual_seed(SEED + 1)
        self.step = 0
        self.x = torch.rand((TRAIN, 784), generator=gen)
        self.y = torch.randint(0, 10, (TRAIN,), generator=gen)
        self.order = None

    def train_step(self):
        per_epoch = TRAIN // BATCH
        epoch, k = divmod(self.step, per_epoch)
        if k == 0 or self.order is None:
            self.order = torch.randperm(TRAIN, generator=torch.Generator().manual_seed(SEED + epoch))
        rows = self.order[k * BATCH:(k + 1) * BATCH]
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.model(self.x[rows]), self.y[rows])
        loss.backward()
        if self.eta > 0:
            std = math.sqrt(self.eta / (1 + self.step) ** 0.55)
            with torch.no_grad():
                for p in self.model.parameters():
                    p.grad.add_(torch.randn(p.grad.shape, generator=self.noise), alpha=std)
        self.optimizer.step()
        self.step += 1
        return loss.item()


def main():
    arms = {"plain": Arm(0.0), "noisy": Arm(0.01)}
    blas = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blasInfo": blas.group(1) if blas else None, "arms": list(arms)}), flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        if message.get("cmd") == "quit":
            break
        arm = arms.get(message.get("arm"))
        steps = message.get("steps")
        if message.get("cmd") != "run" or arm is None or not isinstance(steps, int):
            print(json.dumps({"error": f"bad request {line.strip()}"}), flush=True)
            continue
        wall0, cpu0 = time.perf_counter(), time.process_time()
        loss = float("nan")
        for _ in range(steps):
            loss = arm.train_step()
        wall_ms = (time.perf_counter() - wall0) * 1000
        cpu_ms = (time.process_time() - cpu0) * 1000
        print(json.dumps({"arm": message["arm"], "steps": steps, "wallMs": wall_ms, "cpuMs": cpu_ms,
                          "loss": loss}), flush=True)


main()
