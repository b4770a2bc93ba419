"""PyTorch reference of the Neural Programmer speed benchmark (issue 19, "Speed"), a long-lived child
process (bench/lib/line-child.ts).

The same model and training as the TS trainer (src/trainers/neural_programmer/README.md; paper
section 4.3, Neelakantan et al. 2016), one thread, on the batches the parent's tfjs child exported
from the TS encoding (bench/neural_programmer/task.ts), so both arms train on identical questions:
- weights and shapes as model.ts: word embedding [V, H]; question and history tanh RNNs (history
  input [2H, H]); attention kernel [H, H]; operation embeddings [ops, H]; selector kernels [3H, H]
  with biases; pivot vectors [H]; init N(0, 1/fan_in), biases 0 (the speed run instead starts from
  the TS model's exported initial weights, so the first step's loss must agree with tfjs);
- question RNN with padded positions keeping the state; pivots: softmax over the question's numbers
  scored from the RNN state at each number, mixing the precomputed comparison masks;
- at each of T steps: history state, attention over the question states from it, operation logits
  = op embeddings . tanh(W_op [q; h; a]), column logits = column-name embeddings . tanh(W_col ...);
  soft selection (softmax) in training, one-hot argmax for the accuracy;
- operations.ts: sum, count, difference, greater, lesser, and, or, print, reset, text match, and its
  state update (scalars and rows carried by the operations that do not write them);
- loss.ts: Huber(delta) on scalar answers, lambda times the mean clipped log-loss over real cells on
  lookups. min/max pass their gradient as tfjs does at ties (to the first operand), via where;
- Adam (the spec's betas and epsilon); gradients clipped to the global norm, then, in the noisy arm,
  N(0, sigma_t^2) added with sigma_t^2 = eta / (1 + t)^gamma (paper section 3, Eq. 1).
The noise is torch.randn, not the TS run's streams: same model and data, not the same draws.

Protocol: prints {"ready": true, "torch", "threads", "blasInfo", "arms"}; then one line per request:
{"cmd": "run", "arm": a, "steps": n} trains n steps of arm a (step k on batch k mod n_batches) and
answers {"wallMs", "cpuMs", "loss", "firstLoss", "step"}; {"cmd": "learn", "steps": n} trains the
learn run (noisy, own init) n steps (0: none), then answers {"wallMs", "loss", "accuracy"} (hard
program, test split); {"cmd": "quit"} ends.

    /usr/bin/python3 bench/neural_programmer/torch_child.py <speed.json> <learn.json> <seed>
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

SCALAR_OPS = ("sum", "count", "difference")
LOOKUP_EPSILON = 1e-6
INT_KEYS = ("tokens", "numberPositions", "columnNames")


def batch_tensors(b):
    """An exported batch as tensors in the shapes encode.ts documents."""
    B, Q, R, C = b["size"], b["length"], b["rows"], b["columns"]
    S = len(b["numbers"]) // B
    shapes = {"tokens": (B, Q), "tokenMask": (B, Q), "numbers": (B, S), "numberMask": (B, S),
              "numberPositions": (B, S), "values": (B, R, C), "rowMask": (B, R), "columnNames": (B, C),
              "greater": (B, S, R, C), "lesser": (B, S, R, C), "textMatch": (B, R), "isLookup": (B,),
              "scalar": (B,), "lookup": (B, R, C)}
    return {k: torch.tensor(b[k], dtype=torch.long if k in INT_KEYS else torch.float32).view(shape)
            for k, shape in shapes.items()}


def weight_specs(V, H, n_ops):
    """(name, shape, fan_in) in model.ts's order; fan_in 0 marks a bias."""
    return [("embedding", (V, H), 1), ("question/input", (H, H), H), ("question/recurrent", (H, H), H),
            ("question/bias", (H,), 0), ("history/input", (2 * H, H), 2 * H),
            ("history/recurrent", (H, H), H), ("history/bias", (H,), 0),
            ("operations/embedding", (n_ops, H), H), ("attention/kernel", (H, H), H),
            ("operations/kernel", (3 * H, H), 3 * H), ("operations/bias", (H,), 0),
            ("columns/kernel", (3 * H, H), 3 * H), ("columns/bias", (H,), 0),
            ("pivot/greater", (H,), H), ("pivot/lesser", (H,), H)]


class NeuralProgrammer:
    def __init__(self, run, eta, seed):
        self.H, self.T, self.ops = run["hiddenSize"], run["steps"], run["operations"]
        self.delta, self.lam = run["huberDelta"], run["lambda"]
        self.gen = torch.Generator().manual_seed(seed)
        self.w = {}
        for name, shape, fan_in in weight_specs(run["vocabularySize"], self.H, len(self.ops)):
            if "initial" in run:
                t = torch.tensor(run["initial"][name]["values"], dtype=torch.float32).view(shape)
            elif fan_in > 0:
                t = torch.empty(shape).normal_(0.0, 1 / math.sqrt(fan_in), generator=self.gen)
            else:
                t = torch.zeros(shape)
            self.w[name] = t.requires_grad_()
        adam = run["adam"]
        self.optimizer = torch.optim.Adam(self.w.values(), lr=adam["learningRate"],
                                          betas=(adam["beta1"], adam["beta2"]), eps=adam["epsilon"])
        self.clip, self.eta, self.gamma = run["clipGlobalNorm"], eta, run["noise"]["gamma"]
        self.train = [batch_tensors(b) for b in run["train"]]
        self.test = [batch_tensors(b) for b in run["test"]]
        self.step = 0

    def answer(self, b, hard):
        w, H = self.w, self.H
        B, Q = b["tokens"].shape

        def select(logits):
            if hard:
                return torch.nn.functional.one_hot(logits.argmax(1), logits.shape[1]).float()
            return logits.softmax(1)

        embedded = w["embedding"][b["tokens"]]
        state, states = torch.zeros(B, H), []
        for q in range(Q):
            nxt = torch.tanh(embedded[:, q] @ w["question/input"] + state @ w["question/recurrent"]
                             + w["question/bias"])
            m = b["tokenMask"][:, q:q + 1]
            state = m * nxt + (1 - m) * state
            states.append(state)
        question, stacked = state, torch.stack(states, 1)
        at_numbers = stacked[torch.arange(B)[:, None], b["numberPositions"]]
        free_slots = (1 - b["numberMask"]) * -1e9

        def pivot_masks(name, masks):
            weights = select((at_numbers * w[name]).sum(2) + free_slots)
            return (masks * weights[:, :, None, None]).sum(1)

        greater = pivot_masks("pivot/greater", b["greater"])
        lesser = pivot_masks("pivot/lesser", b["lesser"])
        row_mask, values = b["rowMask"], b["values"]
        column_embeddings = w["embedding"][b["columnNames"]]
        padding = (1 - b["tokenMask"]) * -1e9
        scalars, rows, lookup = [torch.zeros(B)], [row_mask], torch.zeros_like(values)
        history, previous_choice = torch.zeros(B, H), torch.zeros(B, 2 * H)
        for _ in range(self.T):
            history = torch.tanh(previous_choice @ w["history/input"] + history @ w["history/recurrent"]
                                 + w["history/bias"])
            scores = torch.bmm(stacked, (history @ w["attention/kernel"]).unsqueeze(2)).squeeze(2)
            read = torch.bmm((scores + padding).softmax(1).unsqueeze(1), stacked).squeeze(1)
            context = torch.cat([question, history, read], 1)
            op_hidden = torch.tanh(context @ w["operations/kernel"] + w["operations/bias"])
            op_w = select(op_hidden @ w["operations/embedding"].t())
            col_hidden = torch.tanh(context @ w["columns/kernel"] + w["columns/bias"])
            col_w = select(torch.bmm(column_embeddings, col_hidden.unsqueeze(2)).squeeze(2))
            scalars, rows, lookup = self.apply(op_w, col_w, scalars, rows, lookup,
                                               (values, greater, lesser, row_mask, b["textMatch"]))
            previous_choice = torch.cat([op_w @ w["operations/embedding"],
                                         torch.bmm(col_w.unsqueeze(1), column_embeddings).squeeze(1)], 1)
        return scalars[-1], lookup

    def apply(self, op_w, col_w, scalars, rows, lookup, table):
        """operationOutputs then applyStep of operations.ts."""
        values, greater, lesser, row_mask, text_match = table
        previous = rows[-1]
        before = rows[-2] if len(rows) >= 2 else row_mask
        s_previous = scalars[-1]
        s_three_back = scalars[-3] if len(scalars) >= 3 else scalars[0]

        def column(t3):
            return torch.bmm(t3, col_w.unsqueeze(2)).squeeze(2)

        outputs = {
            "sum": (column(values) * previous).sum(1), "count": previous.sum(1),
            "difference": s_three_back - s_previous, "greater": column(greater), "lesser": column(lesser),
            # tf.minimum / tf.maximum send a tie's gradient to the first operand.
            "and": torch.where(previous <= before, previous, before),
            "or": torch.where(previous >= before, previous, before),
            "reset": row_mask, "text_match": text_match,
        }
        scalar = torch.zeros_like(s_previous)
        scalar_weight = torch.zeros_like(s_previous)
        carried = torch.zeros_like(s_previous)
        selected = torch.zeros_like(previous)
        for i, op in enumerate(self.ops):
            weight = op_w[:, i]
            if op in SCALAR_OPS:
                scalar = scalar + weight * outputs[op]
                scalar_weight = scalar_weight + weight
                carried = carried + weight
            elif op == "print":
                carried = carried + weight
            else:
                selected = selected + weight[:, None] * outputs[op]
        print_weight = op_w[:, self.ops.index("print")][:, None, None]
        printed = previous[:, :, None] * col_w[:, None, :]
        return (scalars + [scalar + (1 - scalar_weight) * s_previous],
                rows + [selected + carried[:, None] * previous],
                print_weight * printed + (1 - print_weight) * lookup)

    def loss(self, scalar, lookup, b):
        error = (scalar - b["scalar"]).abs()
        q = torch.where(error <= self.delta, error, torch.full_like(error, self.delta))
        huber = 0.5 * q * q + self.delta * (error - q)
        p = lookup.clamp(LOOKUP_EPSILON, 1 - LOOKUP_EPSILON)
        target = b["lookup"]
        cell = -(target * p.log() + (1 - target) * (1 - p).log())
        row_mask = b["rowMask"]
        cells = row_mask.sum(1) * lookup.shape[2]
        lookup_loss = (cell * row_mask[:, :, None]).sum((1, 2)) / cells
        is_lookup = b["isLookup"]
        return ((1 - is_lookup) * huber + is_lookup * self.lam * lookup_loss).mean()

    def train_step(self):
        b = self.train[self.step % len(self.train)]
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(*self.answer(b, hard=False), b)
        loss.backward()
        with torch.no_grad():
            # A weight the loss does not reach (the pivots when T = 1) gets a zero gradient, as
            # tf.variableGrads gives it, so the noise and Adam still treat it as tfjs does.
            for p in self.w.values():
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
            grads = [p.grad for p in self.w.values()]
            if self.clip is not None:
                norm = math.sqrt(sum(float(g.double().square().sum()) for g in grads))
                if norm > self.clip and math.isfinite(norm):
                    for g in grads:
                        g.mul_(self.clip / norm)
            if self.eta > 0:
                std = math.sqrt(self.eta / (1 + self.step) ** self.gamma)
                for g in grads:
                    g.add_(torch.randn(g.shape, generator=self.gen), alpha=std)
        self.optimizer.step()
        self.step += 1
        return loss.item()

    def accuracy(self):
        """The hard program's accuracy on the test chunks, scored as loss.ts's correctAnswers."""
        right, total = 0, 0
        with torch.no_grad():
            for b in self.test:
                scalar, lookup = self.answer(b, hard=True)
                scalar_ok = (scalar - b["scalar"]).abs() < 0.5
                lookup_ok = ((lookup > 0.5) == (b["lookup"] == 1)).flatten(1).all(1)
                right += int(torch.where(b["isLookup"] == 1, lookup_ok, scalar_ok).sum())
                total += b["scalar"].shape[0]
        return right / max(1, total)


def timed(work):
    wall0, cpu0 = time.perf_counter(), time.process_time()
    value = work()
    return value, {"wallMs": (time.perf_counter() - wall0) * 1000, "cpuMs": (time.process_time() - cpu0) * 1000}


def main():
    with open(sys.argv[1], encoding="utf8") as f:
        speed = json.load(f)
    with open(sys.argv[2], encoding="utf8") as f:
        learn_run = json.load(f)
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    arms = {"plain": NeuralProgrammer(speed, 0.0, seed),
            "noisy": NeuralProgrammer(speed, speed["noise"]["eta"], seed)}
    learn = NeuralProgrammer(learn_run, learn_run["noise"]["eta"], seed)
    blas = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blasInfo": blas.group(1) if blas else None, "arms": list(arms)}), flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        cmd, steps, arm = message.get("cmd"), message.get("steps"), arms.get(message.get("arm"))
        if cmd == "quit":
            break
        if cmd == "run" and arm is not None and isinstance(steps, int):
            losses, times = timed(lambda: [arm.train_step() for _ in range(steps)])
            print(json.dumps({**times, "loss": losses[-1], "firstLoss": losses[0], "step": arm.step}),
                  flush=True)
        elif cmd == "learn" and isinstance(steps, int):
            losses, times = timed(lambda: [learn.train_step() for _ in range(steps)])
            print(json.dumps({"wallMs": times["wallMs"], "loss": losses[-1] if losses else None,
                              "accuracy": learn.accuracy()}), flush=True)
        else:
            print(json.dumps({"error": f"bad request {line.strip()}; commands: run (arms plain, noisy), "
                                       "learn, quit"}), flush=True)


main()
