"""PyTorch reference of the Neural GPU speed benchmark (issue 22, goal 3), a long-lived child
process (bench/lib/line-child.ts).

The same model and training step as the TS trainer (src/trainers/neural_gpu/model.ts; paper
section 4.5, Kaiser & Sutskever 2016), one thread, from the TS model's exported initial weights,
on the one batch and the one set of candidate-dropout masks the tfjs child exported
(bench/neural_gpu/tfjs-child.ts), so the first step's loss must agree with tfjs:
- state [batch, maps, width, height] (tfjs's [batch, width, height, maps] in channels-first); the
  input symbols' embeddings in row 0, zeros below;
- as many steps as the input is wide, each applying every CGRU layer, parameters tied across steps:
  u = sc(U * s + B), r = sc(U' * s + B'), c = tanh(U'' * (r . s) + B'') . mask, s' = c + u . (s - c),
  with * a "same" convolution and sc(x) = clip(cutoff * sigmoid(x) - (cutoff - 1) / 2, 0, 1);
- logits from row 0 through the output layer; loss the mean cross-entropy over the result digits
  (the first targetWidth columns);
- Adam (the spec's betas and epsilon), gradients clipped to the global norm first, no noise.
Autograd keeps the whole unrolled graph; the TS trainer recomputes each step's tape instead.

Protocol: prints {"ready": true, "torch", "threads", "blasInfo"}; then one line per request:
{"cmd": "run", "steps": n} trains n steps and answers {"wallMs", "cpuMs", "loss", "firstLoss"};
{"cmd": "quit"} ends.

    /usr/bin/python3 bench/neural_gpu/torch_child.py <neural_gpu.json>
"""

import json
import math
import re
import sys
import time

try:
    import torch
except ImportError as error:  # reported to the parent, which skips the PyTorch rows
    print(json.dumps({"ready": False, "error": f"PyTorch is not importable: {error}"}), flush=True)
    sys.exit(0)

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
F = torch.nn.functional


class NeuralGpu:
    def __init__(self, run):
        self.layers, self.height, self.maps = run["layers"], run["height"], run["maps"]
        self.cutoff = run["gateCutoff"]
        self.pad = (run["kernelWidth"] // 2, run["kernelHeight"] // 2)
        B, W, T = run["batchSize"], run["inputWidth"], run["targetWidth"]
        self.w = {}
        for name, weight in run["initial"].items():
            t = torch.tensor(weight["values"], dtype=torch.float32).view(weight["shape"])
            if t.dim() == 4:  # [kw, kh, in, out] -> [out, in, kw, kh]
                t = t.permute(3, 2, 0, 1).contiguous()
            self.w[name] = t.requires_grad_()
        self.inputs = torch.tensor(run["inputs"], dtype=torch.long).view(B, W)
        self.targets = torch.tensor(run["targets"], dtype=torch.long).view(B * T)
        self.target_width = T
        self.masks = [torch.tensor(m, dtype=torch.float32).view(B, W, self.height, self.maps)
                      .permute(0, 3, 1, 2).contiguous() for m in run["masks"]]
        adam = run["adam"]
        self.optimizer = torch.optim.Adam(self.w.values(), lr=adam["learningRate"],
                                          betas=(adam["beta1"], adam["beta2"]), eps=adam["epsilon"])
        self.clip = run["clipGlobalNorm"]

    def gate(self, s, layer, name):
        x = F.conv2d(s, self.w[f"cgru{layer}/{name}/kernel"], self.w[f"cgru{layer}/{name}/bias"],
                     padding=self.pad)
        sig = torch.sigmoid(x)
        if self.cutoff == 1:
            return sig
        return (self.cutoff * sig - (self.cutoff - 1) / 2).clamp(0, 1)

    def loss(self):
        w = self.w
        B, W = self.inputs.shape
        row0 = w["embedding"][self.inputs].permute(0, 2, 1).unsqueeze(3)  # [B, maps, W, 1]
        s = torch.cat([row0, torch.zeros(B, self.maps, W, self.height - 1)], 3) if self.height > 1 else row0
        for _ in range(W):
            for layer in range(self.layers):
                u = self.gate(s, layer, "update")
                r = self.gate(s, layer, "reset")
                c = torch.tanh(F.conv2d(r * s, w[f"cgru{layer}/candidate/kernel"],
                                        w[f"cgru{layer}/candidate/bias"], padding=self.pad))
                if self.masks:
                    c = c * self.masks[layer]
                s = c + u * (s - c)
        top = s[:, :, :, 0].permute(0, 2, 1)  # [B, W, maps]
        logits = top @ w["output/kernel"] + w["output/bias"]
        result = logits[:, :self.target_width].reshape(-1, logits.shape[2])
        return F.cross_entropy(result, self.targets)

    def train_step(self):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss()
        loss.backward()
        with torch.no_grad():
            grads = [p.grad for p in self.w.values()]
            if self.clip is not None:
                norm = math.sqrt(sum(float(g.double().square().sum()) for g in grads))
                if norm > self.clip and math.isfinite(norm):
                    for g in grads:
                        g.mul_(self.clip / norm)
        self.optimizer.step()
        return loss.item()


def main():
    with open(sys.argv[1], encoding="utf8") as f:
        model = NeuralGpu(json.load(f))
    blas = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blasInfo": blas.group(1) if blas else None}), flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        cmd, steps = message.get("cmd"), message.get("steps")
        if cmd == "quit":
            break
        if cmd == "run" and isinstance(steps, int):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            losses = [model.train_step() for _ in range(steps)]
            print(json.dumps({"wallMs": (time.perf_counter() - wall0) * 1000,
                              "cpuMs": (time.process_time() - cpu0) * 1000,
                              "loss": losses[-1], "firstLoss": losses[0]}), flush=True)
        else:
            print(json.dumps({"error": f"bad request {line.strip()}; commands: run, quit"}), flush=True)


main()
