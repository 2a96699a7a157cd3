#!/usr/bin/env python3
"""Writes the ONNX test fixtures of lc-onnx with PyTorch's own exporters.

Run from anywhere (see README.md next to this file):

    python make_fixtures.py [--out DIR] [--data DIR] [--skip-training]

Outputs (default DIR: ../resources/io/github/lc4j/onnx relative to this file):

    lenet300.onnx        trained LeNet300 (Flatten + 3 Gemm, tanh), TorchScript exporter, opset 17
    lenet5.onnx          trained LeNet5 (2 Conv/MaxPool, x.view(N, -1), 2 Gemm), TorchScript exporter, opset 17
    lenet5_dynamo.onnx   the same trained LeNet5 from the dynamo (torch.export) exporter, default opset
    matmul_add.onnx, conv_stride_pad.onnx, reshape_const.onnx, unsupported.onnx, conv_nobias.onnx
                         tiny random-weight nets (seeded) for importer variants

and fixtures.txt (next to this script): a complete listing of every file plus
reference outputs, the training statistics and the test errors.

Everything is deterministic from seeds: one CPU thread, torch.manual_seed before
each model is built and trained.
"""

import argparse
import gzip
import hashlib
import io
import os
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "io", "github", "lc4j", "onnx"))
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
OPSET = 17

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=DeprecationWarning)  # legacy exporter, printable_graph


# ---------------------------------------------------------------- data

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist(data_dir):
    """Pixels / 255 as float32, standardized by the scalar mean and population standard
    deviation of all training values (computed in double), as lc4j's Dataset does."""
    def part(images, labels):
        x = read_idx(os.path.join(data_dir, images)).astype(np.float32) / np.float32(255.0)
        y = read_idx(os.path.join(data_dir, labels)).astype(np.int64)
        return x.reshape(-1, 1, 28, 28), y

    x_train, y_train = part("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    x_test, y_test = part("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    values = x_train.astype(np.float64).ravel()
    mean = values.sum() / values.size
    std = float(np.sqrt(max(0.0, (values * values).sum() / values.size - mean * mean)))
    x_train = ((x_train.astype(np.float64) - mean) / std).astype(np.float32)
    x_test = ((x_test.astype(np.float64) - mean) / std).astype(np.float32)
    return x_train, y_train, x_test, y_test, mean, std


# ---------------------------------------------------------------- models

class LeNet300(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = torch.tanh(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


class LeNet5(nn.Module):
    """lc4j's zoo LeNet5: no activation after the convolutions."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.pool2 = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(800, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = self.pool1(self.conv1(x))
        x = self.pool2(self.conv2(x))
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class MatMulAdd(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(12, 8) * 0.3)
        self.b1 = nn.Parameter(torch.randn(8) * 0.1)
        self.w2 = nn.Parameter(torch.randn(8, 3) * 0.3)
        self.b2 = nn.Parameter(torch.randn(3) * 0.1)

    def forward(self, x):
        x = torch.relu(x @ self.w1 + self.b1)
        return x @ self.w2 + self.b2


class ConvStridePad(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, stride=2, padding=1)   # 9x9 -> 5x5
        self.pool = nn.MaxPool2d(kernel_size=2, stride=1)      # 5x5 -> 4x4
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc(torch.flatten(x, 1))


class ReshapeConst(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)                         # 6x6 -> 4x4
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        x = torch.tanh(self.conv(x))
        return self.fc(x.reshape(-1, 32))


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 6)
        self.fc2 = nn.Linear(6, 4)

    def forward(self, x):
        x = torch.sigmoid(self.fc1(x))
        return F.softplus(self.fc2(x))


class ConvNoBias(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, bias=False)             # 8x8 -> 6x6
        self.fc = nn.Linear(108, 2)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.fc(torch.flatten(x, 1))


# ---------------------------------------------------------------- training

def train(model, x, y, epochs, lr, batch=128, seed=1, log=print):
    torch.manual_seed(seed)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()
    for epoch in range(epochs):
        start = time.time()
        order = torch.randperm(len(xs))
        total, count = 0.0, 0
        for i in range(0, len(xs), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            count += len(idx)
        log(f"  epoch {epoch + 1}/{epochs}: loss {total / count:.4f}")
        print(f"    ({time.time() - start:.1f} s)", flush=True)
    model.eval()


def torch_predict(model, x, batch=1000):
    with torch.no_grad():
        return np.concatenate([model(torch.from_numpy(x[i:i + batch])).numpy() for i in range(0, len(x), batch)])


def ort_predict(path, x, batch=1000):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i:i + batch]})[0] for i in range(0, len(x), batch)])


def error_percent(logits, labels):
    return 100.0 * float(np.mean(logits.argmax(axis=1) != labels))


# ---------------------------------------------------------------- export

def export_torchscript(model, example, path, constant_folding=True):
    model.eval()
    torch.onnx.export(
        model, (example,), path,
        dynamo=False,
        opset_version=OPSET,
        do_constant_folding=constant_folding,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
    )
    check_self_contained(path)


def export_dynamo(model, example, path):
    model.eval()
    program = torch.onnx.export(
        model, (example,),
        dynamo=True,
        verbose=False,
        input_names=["input"],
        output_names=["logits"],
        dynamic_shapes=({0: torch.export.Dim("N", min=1, max=1 << 20)},),
        external_data=False,
    )
    program.save(path, external_data=False)
    check_self_contained(path)


def check_self_contained(path):
    m = onnx.load(path, load_external_data=False)
    for t in m.graph.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            raise SystemExit(f"{path}: initializer {t.name} is stored outside the file")
    onnx.checker.check_model(m, full_check=True)


def has_reshape_chain(path):
    ops = [n.op_type for n in onnx.load(path).graph.node]
    chain = ["Shape", "Gather", "Unsqueeze", "Concat", "Reshape"]
    return all(op in ops for op in chain) and ops.index("Shape") < ops.index("Reshape")


# ---------------------------------------------------------------- listing

def dims_text(vi):
    t = vi.type.tensor_type
    elem = onnx.TensorProto.DataType.Name(t.elem_type)
    if not t.HasField("shape"):
        return f"{elem}[?]"
    dims = [d.dim_param if d.HasField("dim_param") else (str(d.dim_value) if d.HasField("dim_value") else "?")
            for d in t.shape.dim]
    return f"{elem}[{', '.join(dims)}]"


def attr_text(a):
    v = helper.get_attribute_value(a)
    if a.type == onnx.AttributeProto.TENSOR:
        arr = numpy_helper.to_array(v)
        dtype = onnx.TensorProto.DataType.Name(v.data_type)
        vals = arr.tolist() if arr.size <= 16 else f"<{arr.size} values>"
        return f"{a.name}=tensor({dtype}{list(arr.shape)}: {vals})"
    if isinstance(v, bytes):
        v = v.decode()
    return f"{a.name}={v}"


def listing(path):
    m = onnx.load(path)
    g = m.graph
    out = io.StringIO()
    w = lambda s="": out.write(s + "\n")
    with open(path, "rb") as f:
        raw = f.read()
    w(f"=== {os.path.basename(path)} ===")
    w(f"file size: {len(raw)} bytes   sha256: {hashlib.sha256(raw).hexdigest()}")
    w(f"ir_version: {m.ir_version}   producer: {m.producer_name} {m.producer_version}")
    w("opset_import: " + ", ".join(f"{o.domain or 'ai.onnx'}:{o.version}" for o in m.opset_import))
    if m.functions:
        w("functions: " + ", ".join(f"{f.domain}::{f.name}" for f in m.functions))
    w(f"graph name: {g.name}")
    w("inputs:")
    for vi in g.input:
        w(f"  {vi.name}: {dims_text(vi)}")
    w("outputs:")
    for vi in g.output:
        w(f"  {vi.name}: {dims_text(vi)}")
    w(f"initializers ({len(g.initializer)}):")
    for t in g.initializer:
        arr = numpy_helper.to_array(t)
        extra = f" = {arr.tolist()}" if arr.size <= 8 else ""
        w(f"  {t.name}: {onnx.TensorProto.DataType.Name(t.data_type)}{list(t.dims)}"
          f" ({'raw_data' if t.HasField('raw_data') else 'typed fields'}){extra}")
    w(f"nodes ({len(g.node)}):")
    for i, n in enumerate(g.node):
        attrs = ", ".join(attr_text(a) for a in n.attribute)
        dom = f" domain={n.domain}" if n.domain else ""
        w(f"  [{i}] {n.op_type}{dom} name={n.name!r}")
        w(f"      inputs={list(n.input)} outputs={list(n.output)}")
        if attrs:
            w(f"      attrs: {attrs}")
    if g.value_info:
        w(f"value_info ({len(g.value_info)}):")
        for vi in g.value_info:
            w(f"  {vi.name}: {dims_text(vi)}")
    w("printable_graph:")
    for line in helper.printable_graph(g).splitlines():
        w("  " + line)
    return out.getvalue()


def reference_input(shape):
    """x[i] = (float) ((i * 37 % 101) / 50.0 - 1.0) in row-major order; easy to rebuild in Java."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    return ((i * 37 % 101) / 50.0 - 1.0).astype(np.float32).reshape(shape)


def fmt(arr):
    return np.array2string(arr, precision=9, separator=", ", max_line_width=160, floatmode="unique")


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--listing", default=os.path.join(HERE, "fixtures.txt"))
    p.add_argument("--skip-training", action="store_true",
                   help="only rewrite the tiny fixtures (the trained nets and their listing are not touched)")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    report = io.StringIO()

    def log(s=""):
        print(s, flush=True)
        report.write(s + "\n")

    log(f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}, "
        f"numpy {np.__version__}, python {sys.version.split()[0]}")
    files = []

    if not args.skip_training:
        x_train, y_train, x_test, y_test, mean, std = load_fashion_mnist(args.data)
        log(f"Fashion-MNIST: train {x_train.shape}, test {x_test.shape}; "
            f"training mean {float(mean)!r}, population std {float(std)!r}")
        example = torch.from_numpy(x_test[:2])

        nets = [("lenet300", LeNet300, 3, 0.1), ("lenet5", LeNet5, 3, 0.02)]
        for name, cls, epochs, lr in nets:
            torch.manual_seed(1)
            model = cls()
            log(f"training {name}: SGD lr {lr} momentum 0.9, batch 128, {epochs} epochs, seed 1")
            train(model, x_train, y_train, epochs, lr, log=log)
            path = os.path.join(args.out, f"{name}.onnx")
            export_torchscript(model, example, path, constant_folding=True)
            if name == "lenet5" and not has_reshape_chain(path):
                log("  constant folding removed the Shape->Gather->Unsqueeze->Concat->Reshape chain; "
                    "exporting with do_constant_folding=False")
                export_torchscript(model, example, path, constant_folding=False)
            files.append(path)
            pt = torch_predict(model, x_test)
            rt = ort_predict(path, x_test)
            log(f"  {name} test error: PyTorch {error_percent(pt, y_test):.2f} %, "
                f"ONNX Runtime {error_percent(rt, y_test):.2f} %, "
                f"max |logit difference| {np.abs(pt - rt).max():.3g}, "
                f"argmax disagreements {int((pt.argmax(1) != rt.argmax(1)).sum())}")
            log(f"  {name} logits of test samples 0 and 1 (ORT): {fmt(rt[:2])}")
            if name == "lenet5":
                dpath = os.path.join(args.out, "lenet5_dynamo.onnx")
                try:
                    export_dynamo(model, example, dpath)
                    files.append(dpath)
                    dt = ort_predict(dpath, x_test)
                    ops = [n.op_type for n in onnx.load(dpath).graph.node]
                    log(f"  lenet5_dynamo ops: {ops}")
                    log(f"  lenet5_dynamo test error: ONNX Runtime {error_percent(dt, y_test):.2f} %, "
                        f"max |logit difference| vs PyTorch {np.abs(pt - dt).max():.3g}")
                except Exception as e:  # report and go on: the fixture is optional
                    log(f"  dynamo export failed: {type(e).__name__}: {e}")

    torch.manual_seed(1)
    tiny = [
        ("matmul_add", MatMulAdd, (2, 12)),
        ("conv_stride_pad", ConvStridePad, (2, 2, 9, 9)),
        ("reshape_const", ReshapeConst, (2, 1, 6, 6)),
        ("unsupported", Unsupported, (2, 10)),
        ("conv_nobias", ConvNoBias, (2, 1, 8, 8)),
    ]
    log("tiny fixtures (weights from torch.manual_seed(1) then each model in this order); "
        "reference input x[i] = (float) ((i * 37 % 101) / 50.0 - 1.0), row-major, batch 2:")
    for name, cls, shape in tiny:
        model = cls().eval()
        x = reference_input(shape)
        path = os.path.join(args.out, f"{name}.onnx")
        export_torchscript(model, torch.from_numpy(x), path, constant_folding=True)
        files.append(path)
        pt = torch_predict(model, x)
        rt = ort_predict(path, x)
        log(f"  {name}: input {list(shape)}, max |PyTorch - ORT| {np.abs(pt - rt).max():.3g}, ORT output:")
        log("    " + fmt(rt).replace("\n", "\n    "))

    listings = "".join(listing(f) + "\n" for f in files)
    if args.skip_training and os.path.exists(args.listing):
        log("(--skip-training: fixtures.txt not rewritten)")
        print(listings)
        return
    with open(args.listing, "w") as f:
        f.write("# Written by make_fixtures.py; do not edit.\n\n")
        f.write(report.getvalue() + "\n")
        f.write(listings)
    log(f"wrote {args.listing}")


if __name__ == "__main__":
    main()
