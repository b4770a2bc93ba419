"""PyTorch reference of the MemN2N speed benchmark (issue 17, "Speed"), a long-lived child process
(bench/lib/line-child.ts).

The same model and training as the TS trainer (src/trainers/memn2n/README.md; paper section 4.2,
Sukhbaatar et al. 2015, after MemN2N-babi-matlab), one thread, on the task the parent exported
from the TS encoding (bench/memn2n/task.ts), so both train on identical questions:
- adjacent weight tying: K + 1 word tables E0..EK (E0 is A1 and the question's B, Ek is Ck and
  A(k+1), the answer layer is EK transposed) and time tables T0..TK of memory + 1 rows, tied alike;
- the Matlab position encoding l(j, k) = 1 + 4 (k - (d+1)/2)(j - (J+1)/2) / (d J) over J + 1
  columns, the last weighting the time row; the query uses the first J;
- temporal encoding with the newest statement at time 1, and random noise in time in training
  (n statements take n sorted distinct rows of 1..min(n + blanks, memory), blanks uniform in
  0..ceil(n * random_time));
- attention softmax over the batch's slots with empty slots masked out; answer logits over the
  vocabulary; cross-entropy summed over the batch;
- each weight matrix's gradient clipped to norm 40 on its own, then N(0, sigma_t^2) added with
  sigma_t^2 = eta / (1 + t)^gamma (paper section 3, Eq. 1; eta 0.01, gamma 0.55), then SGD with
  lr 0.01 halved every 25 epochs, then the nil rows (word 0, time 0) zeroed again;
- init N(0, 0.1^2); batches of 32 in a fresh permutation each epoch, the last one short.

The K + 1 tables of a kind live in one [rows, (K + 1) d] tensor so one lookup serves every hop;
clipping still takes each d-column block (one weight matrix) on its own. The random streams are
PyTorch's, not the TS run's: same model and data, not the same draws.

Protocol: prints {"ready": true, "torch", "threads", "blasInfo", "stepsPerEpoch"}; then one line
per request: {"cmd": "run", "steps": n} trains n steps and answers {"wallMs", "cpuMs", "loss",
"step"}; {"cmd": "eval"} scores the three splits and answers {"wallMs", "cpuMs", "trainError",
"testError"}; {"cmd": "quit"} ends.

    /usr/bin/python3 bench/memn2n/torch_child.py <task.json> <seed>
"""

import json
import math
import re
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as error:  # reported to the parent, which skips the PyTorch rows
    print(json.dumps({"ready": False, "error": f"PyTorch is not importable: {error}"}), flush=True)
    sys.exit(0)

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

HOPS, D, BATCH, RANDOM_TIME = 3, 20, 32, 0.1
LR, HALVE_EPOCHS, CLIP, ETA, GAMMA, INIT_STD = 0.01, 25, 40.0, 0.01, 0.55, 0.1
EVAL_BATCH = 256


def split_tensors(split, J):
    n, s = split["size"], split["slots"]
    return {
        "story": torch.tensor(split["story"], dtype=torch.long).view(n, s, J),
        "counts": torch.tensor(split["counts"], dtype=torch.long),
        "query": torch.tensor(split["query"], dtype=torch.long).view(n, J),
        "answers": torch.tensor(split["answers"], dtype=torch.long),
    }


def position_encoding(J, d):
    j = torch.arange(1, J + 1, dtype=torch.float32)[:, None]
    k = torch.arange(1, d + 1, dtype=torch.float32)[None, :]
    return 1 + 4 * (k - (d + 1) / 2) * (j - (J + 1) / 2) / (d * J)


class MemN2N:
    def __init__(self, task, seed):
        self.V, self.J, self.M = task["vocabularySize"], task["sentenceLength"], task["memorySize"]
        self.gen = torch.Generator().manual_seed(seed)
        self.words = self._table(self.V)
        self.times = self._table(self.M + 1)
        encoding = position_encoding(self.J + 1, D)
        self.enc, self.time_enc = encoding[: self.J], encoding[self.J]
        self.splits = {name: split_tensors(task[name], self.J) for name in ("train", "validation", "test")}
        self.train_size = task["train"]["size"]
        self.steps_per_epoch = math.ceil(self.train_size / BATCH)
        self.step = 0
        self.order = None

    def _table(self, rows):
        table = torch.empty(rows, (HOPS + 1) * D).normal_(0.0, INIT_STD, generator=self.gen)
        table[0].zero_()
        return table.requires_grad_()

    def _time(self, counts, slots, noisy):
        """[B, slots] time rows: slot n - 1 (the newest statement) gets the smallest, empty slots 0."""
        B = counts.shape[0]
        slot = torch.arange(slots)[None, :]
        mask = slot < counts[:, None]
        if not noisy:
            return (counts[:, None] - slot) * mask, mask
        blanks = (torch.rand(B, generator=self.gen) * (torch.ceil(counts * RANDOM_TIME) + 1)).long()
        rows = torch.clamp(counts + blanks, max=self.M)
        R = int(rows.max())
        keys = torch.rand(B, R, generator=self.gen).masked_fill(torch.arange(R)[None, :] >= rows[:, None], 2.0)
        # A uniform n-subset of 0..rows - 1: the n smallest keys; then its positions in ascending order.
        rank = torch.empty(B, R, dtype=torch.long).scatter_(1, keys.argsort(dim=1), torch.arange(R).expand(B, R))
        chosen = torch.where(rank < counts[:, None], torch.arange(R)[None, :], R).sort(dim=1).values
        newest_first = (counts[:, None] - 1 - slot).clamp(min=0)
        return (chosen.gather(1, newest_first) + 1) * mask, mask

    def logits(self, story, query, time_rows, mask):
        B, S = story.shape[0], story.shape[1]
        words = F.embedding(story, self.words).view(B, S, self.J, HOPS + 1, D)
        memory = torch.einsum("bsjkd,jd->bskd", words, self.enc)
        memory = memory + F.embedding(time_rows, self.times).view(B, S, HOPS + 1, D) * self.time_enc
        u = (F.embedding(query, self.words[:, :D]) * self.enc).sum(1)
        for k in range(1, HOPS + 1):
            scores = torch.bmm(memory[:, :, k - 1], u.unsqueeze(2)).squeeze(2)
            p = scores.masked_fill(~mask, -1e9).softmax(dim=1) * mask
            u = u + torch.bmm(p.unsqueeze(1), memory[:, :, k]).squeeze(1)
        return u @ self.words[:, HOPS * D:].t()

    def _batch(self, split, rows, noisy):
        counts = split["counts"][rows]
        slots = max(1, int(counts.max()))
        time_rows, mask = self._time(counts, slots, noisy)
        return split["story"][rows, :slots], split["query"][rows], time_rows, mask, split["answers"][rows]

    def train_step(self):
        epoch, k = divmod(self.step, self.steps_per_epoch)
        if k == 0 or self.order is None:
            self.order = torch.randperm(self.train_size, generator=self.gen)
        story, query, time_rows, mask, answers = self._batch(
            self.splits["train"], self.order[k * BATCH:(k + 1) * BATCH], True)
        loss = F.cross_entropy(self.logits(story, query, time_rows, mask), answers, reduction="sum")
        self.words.grad = self.times.grad = None
        loss.backward()
        lr = LR * 0.5 ** (epoch // HALVE_EPOCHS)
        std = math.sqrt(ETA / (1 + self.step) ** GAMMA)
        with torch.no_grad():
            for table in (self.words, self.times):
                grad = table.grad.view(table.shape[0], HOPS + 1, D)
                norms = grad.square().sum(dim=(0, 2)).sqrt()
                grad.mul_(torch.clamp(CLIP / norms, max=1.0)[None, :, None])
                grad.add_(torch.randn(grad.shape, generator=self.gen), alpha=std)
                table.sub_(table.grad, alpha=lr)
                table[0].zero_()
        self.step += 1
        return loss.item()

    def score(self, name):
        """Error rate and mean cross-entropy over a split, as the TS session's evaluation scores it."""
        split = self.splits[name]
        size = split["answers"].shape[0]
        wrong, loss = 0, 0.0
        with torch.no_grad():
            for start in range(0, size, EVAL_BATCH):
                rows = torch.arange(start, min(start + EVAL_BATCH, size))
                story, query, time_rows, mask, answers = self._batch(split, rows, False)
                logits = self.logits(story, query, time_rows, mask)
                wrong += int((logits.argmax(dim=1) != answers).sum())
                loss += float(F.cross_entropy(logits, answers, reduction="sum"))
        return wrong / max(1, size), loss / max(1, size)


def timed(work):
    wall0, cpu0 = time.perf_counter(), time.process_time()
    value = work()
    return value, {"wallMs": (time.perf_counter() - wall0) * 1000, "cpuMs": (time.process_time() - cpu0) * 1000}


def main():
    with open(sys.argv[1], encoding="utf8") as f:
        model = MemN2N(json.load(f), int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    blas = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blasInfo": blas.group(1) if blas else None,
                      "stepsPerEpoch": model.steps_per_epoch}), flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        cmd, steps = message.get("cmd"), message.get("steps")
        if cmd == "quit":
            break
        if cmd == "run" and isinstance(steps, int):
            loss, times = timed(lambda: [model.train_step() for _ in range(steps)][-1])
            print(json.dumps({**times, "loss": loss, "step": model.step}), flush=True)
        elif cmd == "eval":
            scores, times = timed(lambda: [model.score(name) for name in ("train", "validation", "test")])
            print(json.dumps({**times, "trainError": scores[0][0], "testError": scores[2][0]}), flush=True)
        else:
            print(json.dumps({"error": f"bad request {line.strip()}; commands: run, eval, quit"}), flush=True)


main()
