#!/usr/bin/env python3
"""Writes the graph-importer fixtures of lc-onnx: four small trained nets with BatchNormalization,
residual adds, depthwise convolutions, squeeze-excitation and a two-branch Concat, each exported by
PyTorch's TorchScript exporter at opset 13 and at opset 17 with every BatchNormalization kept as a
node, plus one BatchNormalization-folded copy of each (the exporter's default eval-mode output).

Run from anywhere (see README.md next to this file); about 6 min on one CPU thread:

    python make_graph_fixtures.py [--data DIR] [--out DIR] [--listing FILE]

Outputs (default DIR: ../resources/io/github/lc4j/onnx/graph relative to this file):

    <net>_op13.onnx, <net>_op17.onnx   BatchNormalization kept (training=PRESERVE on the eval-mode model)
    <net>_folded_op13.onnx              BatchNormalization folded into the Conv (plain eval-mode export)

for <net> in resnet, mobilenet, senet, twobranch, and graph_fixtures.txt (next to this script): a summary
per file (size, op-type counts, parameters, test error in ONNX Runtime, opset, ir_version, exporter route)
followed by the complete listing of every file.

Every file: input "input" float32 [N, 1, 28, 28] (N dynamic), output "logits" [N, 10], all initializers
inside the file. Deterministic: one CPU thread, torch.manual_seed(1) before each net is built and trained.
"""

import argparse
import collections
import hashlib
import io
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn

from make_fixtures import (DEFAULT_DATA, DEFAULT_OUT, HERE, check_self_contained, error_percent, fmt,
                           listing, load_fashion_mnist, ort_predict, torch_predict, train)

OPSETS = (13, 17)
EPOCHS = 2
LR = 0.05
torch.set_num_threads(1)
warnings.filterwarnings("ignore")  # TorchScript exporter deprecation warnings

ROUTE_KEEP_BN = ("TorchScript exporter: torch.onnx.export(dynamo=False, training=TrainingMode.PRESERVE, "
                 "do_constant_folding=True) on the eval-mode model")
ROUTE_FOLDED = ("TorchScript exporter: torch.onnx.export(dynamo=False, training=TrainingMode.EVAL (default), "
                "do_constant_folding=True) on the eval-mode model")


# ---------------------------------------------------------------- models

def conv_bn(cin, cout, k=3, stride=1, groups=1, act=nn.ReLU):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return layers + ([act()] if act else [])


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        identity = stride == 1 and cin == cout
        self.shortcut = nn.Sequential() if identity else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + self.shortcut(x))


class ResNet(nn.Module):
    """28x28 -> stem 16 -> identity block 16 -> projection block 32 (14x14) -> GlobalAveragePool -> fc."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(1, 16))
        self.layer1 = BasicBlock(16, 16, 1)
        self.layer2 = BasicBlock(16, 32, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, hidden, cout, stride):
        super().__init__()
        self.residual = stride == 1 and cin == cout
        self.block = nn.Sequential(
            *conv_bn(cin, hidden, 1, act=nn.ReLU6),
            *conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
            *conv_bn(hidden, cout, 1, act=None))   # linear bottleneck: no activation

    def forward(self, x):
        return x + self.block(x) if self.residual else self.block(x)


class MobileNet(nn.Module):
    """MobileNetV2-style, expansion 6. Wide 1x1 convolutions, as in a real MobileNet, so that the weights
    outweigh the batch normalizations' four floats per channel: at 16/48/24/64 the net has 7k parameters and
    its statistics and graph would dominate any compact copy."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(1, 32, 3, 2, act=nn.ReLU6))          # 14x14
        self.ir1 = InvertedResidual(32, 192, 32, 1)
        self.ir2 = InvertedResidual(32, 192, 64, 2)                             # 7x7
        self.head = nn.Sequential(*conv_bn(64, 320, 1, act=nn.Hardswish))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        x = self.pool(self.head(self.ir2(self.ir1(self.stem(x)))))
        return self.fc(x.view(x.size(0), -1))   # the Shape-Gather-Unsqueeze-Concat-Reshape chain


class SENet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*conv_bn(1, 16, 3, 2), *conv_bn(16, 32))   # 14x14
        self.se1 = nn.Linear(32, 8)
        self.se2 = nn.Linear(8, 32)
        self.pool = nn.MaxPool2d(2)                                              # 7x7
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = self.features(x)
        s = x.mean((2, 3))                      # ReduceMean keepdims=0
        s = torch.sigmoid(self.se2(torch.relu(self.se1(s))))
        x = x * s.view(-1, 32, 1, 1)            # a Reshape by a constant shape, broadcast in Mul
        return self.fc(torch.flatten(self.pool(x), 1))


class TwoBranch(nn.Module):
    """The last conv is 32->64 (not 32->32) so that the net has about 20k parameters."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(1, 16, 3, 2))                        # 14x14
        self.a = nn.Conv2d(16, 16, 1)
        self.b_pool = nn.AvgPool2d(3, stride=1, padding=1)                      # count_include_pad=True
        self.b = nn.Conv2d(16, 16, 1)
        self.pool = nn.AvgPool2d(2, 2, count_include_pad=False)                 # 7x7
        self.conv = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.stem(x)
        x = torch.cat([torch.relu(self.a(x)), torch.relu(self.b(self.b_pool(x)))], 1)
        x = torch.relu(self.conv(self.pool(x)))
        return self.fc(torch.flatten(x.mean((2, 3), keepdim=True), 1))          # ReduceMean keepdims=1


NETS = [("resnet", ResNet, 6), ("mobilenet", MobileNet, 8), ("senet", SENet, 2), ("twobranch", TwoBranch, 1)]


# ---------------------------------------------------------------- export and checks

def export(model, example, path, opset, keep_bn):
    # The eval peephole pass that folds BatchNormalization into the Conv runs only for
    # training=EVAL (the default) with constant folding on. PRESERVE exports the eval-mode model
    # the same way (BatchNormalization in inference form) but skips that pass; constant folding
    # still runs, so the keep-BN file differs from the folded one in the BatchNormalization nodes only.
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    model.eval()
    torch.onnx.export(
        model, (example,), path,
        dynamo=False,
        opset_version=opset,
        training=mode,
        do_constant_folding=True,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
    )
    check_self_contained(path)


def op_counts(path):
    return dict(collections.Counter(n.op_type for n in onnx.load(path).graph.node))


def shared_initializers(path):
    """The exporter stores initializers of equal value once and feeds the other users through an
    Identity node. In the ResNet this happens by itself: layer2.bn2.bias and layer2.shortcut.1.bias
    both start at zero and, added right after, always get the same gradient. Any other Identity
    would be unexpected."""
    g = onnx.load(path).graph
    inits = {t.name for t in g.initializer}
    pairs = []
    for n in g.node:
        if n.op_type == "Identity":
            if n.input[0] not in inits:
                raise SystemExit(f"{path}: Identity {n.name} does not read an initializer")
            pairs.append((n.input[0], n.output[0]))
    return pairs


def initializer_floats(path):
    return sum(int(np.prod(t.dims)) for t in onnx.load(path).graph.initializer
               if t.data_type == onnx.TensorProto.FLOAT)


def summary(path, route, params, error):
    m = onnx.load(path)
    with open(path, "rb") as f:
        raw = f.read()
    ops = ", ".join(f"{k} {v}" for k, v in op_counts(path).items())
    return (f"{os.path.basename(path)}\n"
            f"  size {len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()}\n"
            f"  opset {m.opset_import[0].version}, ir_version {m.ir_version}, producer {m.producer_name} {m.producer_version}\n"
            f"  route: {route}\n"
            f"  parameters {params} (trainable), float32 initializer values {initializer_floats(path)}\n"
            f"  test error (ONNX Runtime, 10k test images): {error:.2f} %\n"
            f"  ops: {ops}\n")


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--out", default=os.path.join(DEFAULT_OUT, "graph"))
    p.add_argument("--listing", default=os.path.join(HERE, "graph_fixtures.txt"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    report = io.StringIO()

    def log(s=""):
        print(s, flush=True)
        report.write(s + "\n")

    log(f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}, "
        f"numpy {np.__version__}, python {sys.version.split()[0]}")
    x_train, y_train, x_test, y_test, mean, std = load_fashion_mnist(args.data)
    log(f"Fashion-MNIST: train {x_train.shape}, test {x_test.shape}; "
        f"training mean {float(mean)!r}, population std {float(std)!r}")
    example = torch.from_numpy(x_test[:2])
    files, summaries = [], []

    for name, cls, bn_count in NETS:
        torch.manual_seed(1)
        model = cls()
        params = sum(p.numel() for p in model.parameters())
        log(f"training {name} ({params} parameters): SGD lr {LR} momentum 0.9, batch 128, {EPOCHS} epochs, seed 1")
        train(model, x_train, y_train, EPOCHS, LR, log=log)
        pt = torch_predict(model, x_test)
        log(f"  {name} PyTorch test error {error_percent(pt, y_test):.2f} %")

        variants = [(f"{name}_op{o}.onnx", o, True) for o in OPSETS] + [(f"{name}_folded_op13.onnx", 13, False)]
        logits = {}
        for fname, opset, keep_bn in variants:
            path = os.path.join(args.out, fname)
            export(model, example, path, opset, keep_bn)
            ops = op_counts(path)
            found = ops.get("BatchNormalization", 0)
            if found != (bn_count if keep_bn else 0):
                raise SystemExit(f"{fname}: {found} BatchNormalization nodes, expected {bn_count if keep_bn else 0}")
            for source, target in shared_initializers(path):
                log(f"    {fname}: Identity {source} -> {target} (equal initializers, deduplicated by the exporter)")
            rt = ort_predict(path, x_test)
            logits[fname] = rt
            err = error_percent(rt, y_test)
            log(f"  {fname}: ONNX Runtime test error {err:.2f} %, max |PyTorch - ORT| {np.abs(pt - rt).max():.3g}, "
                f"argmax disagreements {int((pt.argmax(1) != rt.argmax(1)).sum())}")
            log(f"    ops: {ops}")
            route = ROUTE_KEEP_BN if keep_bn else ROUTE_FOLDED
            summaries.append(summary(path, route, params, err))
            files.append(path)

        # The opsets must agree on the first 64 test images (HardSwish is one node at 17, HardSigmoid+Mul at 13).
        a, b, f = (logits[f"{name}_op13.onnx"][:64], logits[f"{name}_op17.onnx"][:64],
                   logits[f"{name}_folded_op13.onnx"][:64])
        d17, dfold = float(np.abs(a - b).max()), float(np.abs(a - f).max())
        log(f"  {name}: max |op13 - op17| on 64 test images {d17:.3g}, max |op13 - folded_op13| {dfold:.3g}")
        if d17 > 1e-5:
            raise SystemExit(f"{name}: opset 13 and 17 logits differ by {d17}")
        log(f"  {name} logits of test samples 0 and 1 ({name}_op13.onnx, ORT): {fmt(a[:2])}")

    with open(args.listing, "w") as out:
        out.write("# Written by make_graph_fixtures.py; do not edit.\n\n")
        out.write(report.getvalue() + "\n")
        out.write("# Summary\n\n" + "\n".join(summaries) + "\n# Listings\n\n")
        out.write("".join(listing(f) + "\n" for f in files))
    log(f"wrote {args.listing}")


if __name__ == "__main__":
    main()
