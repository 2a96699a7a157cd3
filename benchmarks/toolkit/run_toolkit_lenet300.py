#!/usr/bin/env python3
"""Times the authors' PyTorch LC toolkit on lc4j's LeNet300 K = 2 run.

Runs DC + LC (adaptive quantization, K = 2, one codebook per layer on fc1/fc2/fc3.weight,
biases float) through the toolkit's own ``lc.Algorithm`` (its C step, its multiplier update,
its evaluation hook) with the schedule of

    lc4j compress --model lenet300 --weights lenet300__seed1.npz --data auto --tolerance 0

on the full Fashion-MNIST, starting from the same reference weights, and prints per-iteration
lines, the wall time of the LC run and the final quantized train/test error.

The L step (which the toolkit leaves to the user) is by default lc4j's update rule: a Nesterov
step on the cross-entropy, then a proximal pull toward the toolkit's targets Δ(Θ) + λ/μ, with one
optimizer for the whole run. --l-step gradient --reset-momentum gives the toolkit example's L step
(penalty gradient through the momentum, new optimizer per L step), which diverges on this schedule.

The toolkit is not part of this repository: pass the folder of a clone of
https://github.com/UCMerced-ML/LC-model-compression with --toolkit (see README.md here).
This script is outside the Maven build; nothing in the build runs it.
"""
import argparse
import contextlib
import gzip
import os
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--toolkit", required=True, help="folder of a clone of UCMerced-ML/LC-model-compression")
    parser.add_argument("--reference", required=True,
                        help="lc4j reference .npz (fc1.weight [784,300] ... in lc4j's [inputs, outputs] layout)")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                        help="folder with the four (Fashion-)MNIST idx files, .gz or not")
    parser.add_argument("--mu-steps", type=int, default=30, help="LC iterations (μ_k = mu0·mu-factor^k, k < mu-steps)")
    parser.add_argument("--threads", type=int, default=2, help="torch / OpenMP / BLAS threads")
    parser.add_argument("--mu0", type=float, default=0.005)
    parser.add_argument("--mu-factor", type=float, default=1.5)
    parser.add_argument("--epochs", type=int, default=3, help="SGD epochs per L step")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate of L step 0")
    parser.add_argument("--lr-decay", type=float, default=0.98, help="learning rate of L step k: lr·lr-decay^k")
    parser.add_argument("--momentum", type=float, default=0.9, help="Nesterov momentum")
    parser.add_argument("--l-step", choices=("proximal", "gradient"), default="proximal",
                        help="proximal (default, lc4j's rule): Nesterov step on the cross-entropy, then w <- w - c(w - t)"
                             " toward the toolkit's target t = Δ(Θ) + λ/μ, c = γ/(1+γ), γ = lr·μ/(1 - momentum); "
                             "gradient (the toolkit example's rule): Nesterov step on cross-entropy + lc_penalty(), "
                             "which diverges on this schedule once lr·μ nears 1 (about iteration 23)")
    parser.add_argument("--reset-momentum", action="store_true",
                        help="a new optimizer, momentum zero, at every L step, as in the toolkit's "
                             "examples/lenet300/lenet300.py (default: one optimizer for the whole run, so the momentum "
                             "carries over from one L step to the next, as in lc4j)")
    parser.add_argument("--eval-batch", type=int, default=10000, help="batch size of the evaluations (no effect on results)")
    parser.add_argument("--seed", type=int, default=1, help="seeds torch (minibatch order) and numpy (k-means++ of the DC step)")
    parser.add_argument("--toolkit-output", action="store_true",
                        help="show the toolkit's own prints (hidden by default; they are still executed)")
    return parser.parse_args()


ARGS = parse_args()
# thread pools must be sized before numpy, torch and scikit-learn start theirs
for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)
sys.path.insert(0, os.path.abspath(ARGS.toolkit))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn, optim  # noqa: E402

import lc  # noqa: E402  (the toolkit, from --toolkit)
from lc.torch import ParameterTorch as Param, AsVector  # noqa: E402
from lc.compression_types import AdaptiveQuantization  # noqa: E402

OUT = sys.stdout  # our lines; the toolkit's prints go to a null sink unless --toolkit-output


def say(text):
    OUT.write(text + "\n")
    OUT.flush()


def read_idx(folder, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            magic = int.from_bytes(raw[0:4], "big")
            dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(magic & 0xFF)]
            offset = 4 + 4 * len(dims)
            return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)
    raise FileNotFoundError(f"no {stem} or {stem}.gz in {folder}")


def load_data(folder):
    # as lc4j's DataSets.fromIdxDirectory: IdxReader's pixels / 255 as float32, then every pixel of
    # both sets standardized with ONE scalar mean and deviation of all training pixels
    # (TrainTestSplit.standardized: (x - mean) / std computed in double, stored as float32)
    def images(stem):
        return read_idx(folder, stem).reshape(-1, 784).astype(np.float32) / np.float32(255.0)

    def labels(stem):
        return torch.from_numpy(read_idx(folder, stem).astype(np.int64))

    train, test = images("train-images-idx3-ubyte"), images("t10k-images-idx3-ubyte")
    values = train.astype(np.float64)
    mean = values.mean()
    std = np.sqrt(max(0.0, (values * values).mean() - mean * mean))

    def standardized(x):
        return torch.from_numpy(((x.astype(np.float64) - mean) / std).astype(np.float32))

    return (standardized(train), labels("train-labels-idx1-ubyte"),
            standardized(test), labels("t10k-labels-idx1-ubyte"), mean, std)


class LeNet300(nn.Module):
    """lc4j's lenet300: Dense 784→300, tanh, Dense 300→100, tanh, Dense 100→10 (logits)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)
        self.loss = nn.CrossEntropyLoss()

    def forward(self, x):
        return self.fc3(torch.tanh(self.fc2(torch.tanh(self.fc1(x.view(x.size(0), -1))))))


def load_reference(net, path):
    # lc4j stores a Dense weight as [inputs, outputs]; PyTorch's Linear.weight is [outputs, inputs]
    arrays = np.load(path)
    with torch.no_grad():
        for name in ("fc1", "fc2", "fc3"):
            layer = getattr(net, name)
            weight = arrays[name + ".weight"]
            if weight.shape != tuple(layer.weight.shape[::-1]):
                raise SystemExit(f"{path}: {name}.weight is {weight.shape}, expected lc4j's [inputs, outputs] "
                                 f"{tuple(layer.weight.shape[::-1])}")
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight.T)))
            layer.bias.copy_(torch.from_numpy(arrays[name + ".bias"]))


def error_and_loss(net, x, y, batch):
    wrong, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = net(x[i:i + batch])
            wrong += (out.argmax(1) != y[i:i + batch]).sum().item()
            loss += nn.functional.cross_entropy(out, y[i:i + batch], reduction="sum").item()
    return 100.0 * wrong / len(x), loss / len(x)


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    np.random.seed(ARGS.seed)  # scikit-learn's k-means++ (DC step) draws from numpy's global generator
    device = torch.device("cpu")

    x_train, y_train, x_test, y_test, pixel_mean, pixel_std = load_data(ARGS.data)
    net = LeNet300().to(device)
    load_reference(net, ARGS.reference)
    net.eval()
    ref_train = error_and_loss(net, x_train, y_train, ARGS.eval_batch)
    ref_test = error_and_loss(net, x_test, y_test, ARGS.eval_batch)
    say(f"toolkit {os.path.abspath(ARGS.toolkit)}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    say(f"data: {len(x_train)} training, {len(x_test)} test samples from {ARGS.data}, pixels/255 standardized"
        f" with the training set's mean {pixel_mean:.6f} and deviation {pixel_std:.6f}")
    say(f"reference {ARGS.reference}: train error {ref_train[0]:.2f}% (loss {ref_train[1]:.4f}),"
        f" test error {ref_test[0]:.2f}% (loss {ref_test[1]:.4f})")

    mu_schedule = [ARGS.mu0 * ARGS.mu_factor ** k for k in range(ARGS.mu_steps)]
    say(f"schedule: {ARGS.mu_steps} LC iterations, mu_k = {ARGS.mu0}*{ARGS.mu_factor}^k, {ARGS.epochs} epochs per "
        f"L step, batch {ARGS.batch}, Nesterov {ARGS.momentum}, lr {ARGS.lr}*{ARGS.lr_decay}^k, momentum "
        f"{'reset at every' if ARGS.reset_momentum else 'kept across'} L step, {ARGS.l_step} penalty; K=2 AdaptiveQuantization on "
        f"fc1/fc2/fc3.weight; train+test evaluated after DC and after every iteration")

    n = len(x_train)
    generator = torch.Generator().manual_seed(ARGS.seed)
    trainable = [p for p in net.parameters() if p.requires_grad]
    kept_optimizer = optim.SGD(trainable, lr=ARGS.lr, momentum=ARGS.momentum, nesterov=True)
    clock = {"l_step": 0.0, "eval": 0.0, "last_mark": None, "l_time": 0.0, "l_loss": float("nan")}
    results = []
    holder = {}

    def l_step(model, lc_penalty, step):
        # The toolkit leaves the L step to the user (lc.Algorithm calls this after setting every
        # task's target t = Δ(Θ) + λ/μ). The toolkit example's L step (examples/lenet300/lenet300.py):
        # SGD, Nesterov, lr·0.98^step on cross-entropy + lc_penalty() = μ/2‖w − t‖², here with
        # lc4j's epochs and batch size and minibatches cut from in-memory tensors (faster than its
        # DataLoader); or, with --l-step proximal, lc4j's update rule on the same targets.
        start = time.perf_counter()
        lr = ARGS.lr * ARGS.lr_decay ** step
        if ARGS.reset_momentum:
            optimizer = optim.SGD(trainable, lr=lr, momentum=ARGS.momentum, nesterov=True)
        else:
            optimizer = kept_optimizer
            for group in optimizer.param_groups:
                group["lr"] = lr
        mu = holder["algorithm"].mu
        proximal = ARGS.l_step == "proximal"
        if proximal:
            # the toolkit's own target tensors (ParameterTorch.target_view), loaded by its release()
            pairs = [(w_get(), t_get()) for param in holder["algorithm"].lc_parameters
                     for w_get, t_get in zip(param.w_view.list, param.target_view.list)]
            gamma = lr * mu / (1 - ARGS.momentum)
            pull = gamma / (1 + gamma)
        model.train()
        total, batches = 0.0, 0
        for _ in range(ARGS.epochs):
            order = torch.randperm(n, generator=generator)
            for i in range(0, n, ARGS.batch):
                index = order[i:i + ARGS.batch]
                optimizer.zero_grad()
                loss = model.loss(model(x_train[index]), y_train[index])
                if not proximal:
                    loss = loss + lc_penalty()
                loss.backward()
                optimizer.step()
                if proximal and pull > 0:
                    with torch.no_grad():
                        for w, t in pairs:
                            w.lerp_(t, pull)  # w ← w − c·(w − t)
                total += loss.item()
                batches += 1
        if not all(torch.isfinite(p).all() for p in trainable):
            OUT.write(f"L step {step + 1} (mu {mu:.6g}, lr {lr:.5f}) diverged: the weights are not finite\n")
            raise SystemExit(2)
        clock["l_time"] = time.perf_counter() - start
        clock["l_step"] += clock["l_time"]
        clock["l_loss"] = total / batches
        clock["l_lr"] = lr

    def evaluation(model):
        # called by lc.Algorithm with w = Δ(Θ) loaded (the quantized net): after DC and after every iteration
        start = time.perf_counter()
        model.eval()
        train = error_and_loss(model, x_train, y_train, ARGS.eval_batch)
        test = error_and_loss(model, x_test, y_test, ARGS.eval_batch)
        now = time.perf_counter()
        clock["eval"] += now - start
        k = len(results)
        results.append((train, test))
        if k == 0:
            say(f"DC      train error {train[0]:6.2f}%  test error {test[0]:6.2f}%  "
                f"(C step {start - clock['last_mark']:.2f}s, eval {now - start:.2f}s)")
        else:
            c_time = start - clock["last_mark"] - clock["l_time"]
            say(f"iter {k:2d}  mu {mu_schedule[k - 1]:.6g}  lr {clock['l_lr']:.5f}  {'CE' if ARGS.l_step == 'proximal' else 'CE+pen'} {clock['l_loss']:.4f}  "
                f"train error {train[0]:6.2f}%  test error {test[0]:6.2f}%  "
                f"(L {clock['l_time']:.2f}s, C+λ {c_time:.2f}s, eval {now - start:.2f}s, "
                f"elapsed {now - clock['t0']:.1f}s)")
        clock["last_mark"] = time.perf_counter()

    sink = contextlib.nullcontext() if ARGS.toolkit_output else contextlib.redirect_stdout(open(os.devnull, "w"))
    with sink:
        clock["t0"] = clock["last_mark"] = time.perf_counter()
        tasks = {}
        for name in ("fc1", "fc2", "fc3"):
            layer = getattr(net, name)
            tasks[Param(lambda layer=layer: layer.weight, device)] = (AsVector, AdaptiveQuantization(k=2), name)
        algorithm = holder["algorithm"] = lc.Algorithm(
            model=net,
            compression_tasks=tasks,
            mu_schedule=mu_schedule,
            l_step_optimization=l_step,
            evaluation_func=evaluation,
        )
        algorithm.run()  # DC (C step at μ=0, λ=0), then per μ: L step, C step, λ ← λ − μ(w − Δ(Θ)), evaluation
        wall = time.perf_counter() - clock["t0"]

    train, test = results[-1]
    codebooks = []
    for _param, (_view, compression, name) in algorithm.compression_tasks.items():
        centers = np.sort(compression.state_dict["cluster_centers"].flatten())
        codebooks.append(f"{name} [{', '.join(f'{c:.5f}' for c in centers)}]")
    say("final codebooks: " + "; ".join(codebooks))
    say(f"LC run wall time: {wall:.1f} s ({ARGS.mu_steps} iterations; L steps {clock['l_step']:.1f} s, "
        f"evaluations {clock['eval']:.1f} s, C steps + multipliers + toolkit bookkeeping "
        f"{wall - clock['l_step'] - clock['eval']:.1f} s)")
    say(f"final quantized train error: {train[0]:.2f}%  (loss {train[1]:.4f})")
    say(f"final quantized test error: {test[0]:.2f}%  (loss {test[1]:.4f})")


if __name__ == "__main__":
    main()
