#!/usr/bin/env python3
"""Writes the extra ONNX test fixtures of lc-onnx (BatchNormalization, Dropout, Softmax, Transpose,
Constant nodes, typed-field tensors). Seconds on one CPU thread; no training, no data set.

Run from anywhere (see README.md next to this file):

    python make_extra_fixtures.py [--out DIR] [--listing FILE]

Outputs (default DIR: ../resources/io/github/lc4j/onnx relative to this file):

    bn_softmax.onnx      Conv-BatchNorm-Relu-MaxPool-Flatten-Dropout-Gemm-BatchNorm-Tanh-Gemm-LogSoftmax,
                         TorchScript exporter (do_constant_folding=False keeps both BatchNormalization
                         nodes); the exporter drops Dropout in eval mode, so this script inserts the
                         Dropout node (opset-13+ form, data input only, i.e. inference) after export
    identity_softmax_constants.onnx
                         by hand: Identity, Gemm with weight/bias from Constant nodes (float_data /
                         raw_data), Relu, Gemm alpha 0.5 beta 2 transB 0 (float_data initializers), Softmax
    matmul_bn.onnx       by hand: MatMul, Add, BatchNormalization (epsilon 1e-3) on [N, 7], Relu, MatMul, Add
    transpose_constants.onnx
                         by hand: every weight read through a Transpose of a constant (an initializer
                         with perm, an initializer with the default perm, a Constant node)

and extra_fixtures.txt (next to this script): ORT outputs for the reference input, the outputs of
the same nets with every BatchNormalization folded into the layer before it and the final
(Log)Softmax removed (numpy), and a complete listing of every file.

Every net: input "input" [N, ...] float32 (N dynamic), one output "logits" (for the softmax nets it
holds (log-)probabilities), opset 17, ir_version 8, all initializers inside the file.
Deterministic: torch.manual_seed(2) / numpy default_rng seeds, one CPU thread; a rerun with the
versions named in README.md reproduces every file byte for byte.
"""

import argparse
import io
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
from onnx import helper, numpy_helper, TensorProto

from make_fixtures import (DEFAULT_OUT, HERE, OPSET, check_self_contained, fmt, listing,
                           ort_predict, reference_input)

IR_VERSION = 8
BN_EPS = 1e-5
torch.set_num_threads(1)
warnings.filterwarnings("ignore")  # TorchScript exporter deprecation warnings


# ---------------------------------------------------------------- helpers

def f32(a):
    return np.asarray(a, dtype=np.float32)


def typed_tensor(name, arr):
    """float32 tensor stored in float_data (typed field), not raw_data."""
    arr = f32(arr)
    t = helper.make_tensor(name, TensorProto.FLOAT, list(arr.shape), arr.ravel().tolist(), raw=False)
    assert not t.HasField("raw_data") and len(t.float_data) == arr.size
    return t


def raw_tensor(name, arr):
    """float32 tensor stored in raw_data (little-endian bytes)."""
    t = numpy_helper.from_array(f32(arr), name)
    assert t.HasField("raw_data")
    return t


def make_model(graph):
    m = helper.make_model(graph, producer_name="lc4j make_extra_fixtures.py", producer_version="1",
                          opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = IR_VERSION
    return m


def input_vi(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def fold_bn(w, b, gamma, beta, mean, var, eps, out_axis):
    """W' = W * s (s = gamma / sqrt(var + eps) per output channel along out_axis), b' = (b - mean) * s + beta.
    Computed in float64, returned as float32 (what a folding importer would store)."""
    s = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
    shape = [1] * w.ndim
    shape[out_axis] = -1
    w2 = w.astype(np.float64) * s.reshape(shape)
    b2 = (b.astype(np.float64) - mean) * s + beta
    return f32(w2), f32(b2)


def conv2d(x, w, b):
    """valid cross-correlation, stride 1: x [N, C, H, W], w [K, C, kh, kw]."""
    n, c, h, wd = x.shape
    k, _, kh, kw = w.shape
    out = np.zeros((n, k, h - kh + 1, wd - kw + 1))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nchw,kc->nkhw", x[:, :, i:i + out.shape[2], j:j + out.shape[3]], w[:, :, i, j])
    return out + b.reshape(1, -1, 1, 1)


def maxpool2(x):
    n, c, h, w = x.shape
    return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def init_arrays(path):
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}


def ops_of(path):
    return [n.op_type for n in onnx.load(path).graph.node]


# ---------------------------------------------------------------- 1. bn_softmax (PyTorch)

class BnSoftmax(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)             # 8x8 -> 6x6
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)                 # 6x6 -> 3x3
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.5)
        self.fc1 = nn.Linear(36, 8)
        self.bn2 = nn.BatchNorm1d(8)
        self.tanh = nn.Tanh()
        self.fc2 = nn.Linear(8, 3)
        self.logsoftmax = nn.LogSoftmax(dim=1)
        with torch.no_grad():                       # non-trivial BatchNorm parameters and statistics
            for bn in (self.bn1, self.bn2):
                c = bn.num_features
                bn.weight.copy_(0.5 + torch.rand(c))
                bn.bias.copy_(0.2 * torch.randn(c))
                bn.running_mean.copy_(0.3 * torch.randn(c))
                bn.running_var.copy_(0.25 + torch.rand(c))

    def forward(self, x):
        x = self.pool(self.relu(self.bn1(self.conv(x))))
        x = self.dropout(self.flatten(x))
        x = self.tanh(self.bn2(self.fc1(x)))
        return self.logsoftmax(self.fc2(x))


def insert_dropout(path):
    """The TorchScript exporter leaves Dropout out in eval mode; put it back between Flatten and the
    first Gemm: Dropout(data) with no ratio/training_mode inputs (default ratio 0.5, inference)."""
    m = onnx.load(path)
    g = m.graph
    k = next(i for i, n in enumerate(g.node) if n.op_type == "Flatten")
    src = g.node[k].output[0]
    dst = "/dropout/Dropout_output_0"
    for n in g.node:
        for j, name in enumerate(n.input):
            if name == src:
                n.input[j] = dst
    g.node.insert(k + 1, helper.make_node("Dropout", [src], [dst], name="/dropout/Dropout"))
    onnx.save(m, path)


def make_bn_softmax(out, log):
    torch.manual_seed(2)
    model = BnSoftmax().eval()
    x = reference_input((2, 1, 8, 8))
    path = os.path.join(out, "bn_softmax.onnx")
    torch.onnx.export(
        model, (torch.from_numpy(x),), path,
        dynamo=False, opset_version=OPSET, do_constant_folding=False,
        training=torch.onnx.TrainingMode.EVAL,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
    )
    ops = ops_of(path)
    if ops.count("BatchNormalization") != 2:
        raise SystemExit(f"bn_softmax: exporter did not keep both BatchNormalization nodes: {ops}")
    if "Dropout" not in ops:
        insert_dropout(path)
        log("  bn_softmax: BatchNormalization nodes from the TorchScript exporter (do_constant_folding=False); "
            "it drops Dropout in eval mode, so a Dropout node (data input only) was inserted after Flatten")
    m = onnx.load(path)
    assert m.ir_version == IR_VERSION, m.ir_version
    check_self_contained(path)
    with torch.no_grad():
        pt = model(torch.from_numpy(x)).numpy()

    p = {k: v.astype(np.float64) for k, v in init_arrays(path).items()}
    for n in m.graph.node:
        if n.op_type == "BatchNormalization":
            eps = helper.get_attribute_value(next(a for a in n.attribute if a.name == "epsilon"))
            assert abs(eps - BN_EPS) < 1e-9, eps
    w1, b1 = fold_bn(p["conv.weight"], p["conv.bias"], p["bn1.weight"], p["bn1.bias"],
                     p["bn1.running_mean"], p["bn1.running_var"], BN_EPS, 0)
    w2, b2 = fold_bn(p["fc1.weight"], p["fc1.bias"], p["bn2.weight"], p["bn2.bias"],
                     p["bn2.running_mean"], p["bn2.running_var"], BN_EPS, 0)   # Gemm transB=1: [out, in]
    h = maxpool2(np.maximum(conv2d(x.astype(np.float64), w1.astype(np.float64), b1.astype(np.float64)), 0))
    h = h.reshape(len(h), -1)
    h = np.tanh(h @ w2.T.astype(np.float64) + b2)
    folded = h @ p["fc2.weight"].T + p["fc2.bias"]
    return path, (2, 1, 8, 8), folded, log_softmax, pt


# ---------------------------------------------------------------- 2. identity_softmax_constants (by hand)

def make_identity_softmax_constants(out, log):
    rng = np.random.default_rng(2)
    w1 = f32(rng.normal(0, 0.4, (5, 6)))     # Gemm transB=1: [out, in]
    b1 = f32(rng.normal(0, 0.1, 5))
    w2 = f32(rng.normal(0, 0.4, (5, 4)))     # Gemm transB=0: [in, out]
    b2 = f32(rng.normal(0, 0.1, 4))
    nodes = [
        helper.make_node("Identity", ["input"], ["x_id"], name="identity"),
        helper.make_node("Constant", [], ["fc1_w"], name="fc1_w_const", value=typed_tensor("fc1_w_value", w1)),
        helper.make_node("Constant", [], ["fc1_b"], name="fc1_b_const", value=raw_tensor("fc1_b_value", b1)),
        helper.make_node("Gemm", ["x_id", "fc1_w", "fc1_b"], ["fc1_out"], name="fc1", transB=1),
        helper.make_node("Relu", ["fc1_out"], ["relu_out"], name="relu"),
        helper.make_node("Gemm", ["relu_out", "fc2_w", "fc2_b"], ["fc2_out"], name="fc2",
                         alpha=0.5, beta=2.0, transB=0),
        helper.make_node("Softmax", ["fc2_out"], ["logits"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(nodes, "identity_softmax_constants",
                              [input_vi("input", ["N", 6])], [input_vi("logits", ["N", 4])],
                              initializer=[typed_tensor("fc2_w", w2), typed_tensor("fc2_b", b2)])
    path = os.path.join(out, "identity_softmax_constants.onnx")
    onnx.save(make_model(graph), path)
    check_self_contained(path)
    log("  identity_softmax_constants: by hand (onnx.helper); Constant fc1_w in float_data, fc1_b in raw_data, "
        "initializers fc2_w/fc2_b in float_data")
    x = reference_input((2, 6)).astype(np.float64)
    h = np.maximum(x @ w1.T.astype(np.float64) + b1, 0)
    folded = 0.5 * (h @ w2.astype(np.float64)) + 2.0 * b2     # no BatchNormalization to fold
    return path, (2, 6), folded, softmax, None


# ---------------------------------------------------------------- 3. matmul_bn (by hand)

def make_matmul_bn(out, log):
    rng = np.random.default_rng(3)
    eps = 1e-3
    w1 = f32(rng.normal(0, 0.35, (10, 7)))   # MatMul: [in, out]
    b1 = f32(rng.normal(0, 0.1, 7))
    gamma = f32(0.5 + rng.random(7))
    beta = f32(rng.normal(0, 0.2, 7))
    mean = f32(rng.normal(0, 0.3, 7))
    var = f32(0.25 + rng.random(7))
    w2 = f32(rng.normal(0, 0.4, (7, 3)))
    b2 = f32(rng.normal(0, 0.1, 3))
    inits = [raw_tensor(n, a) for n, a in [("fc1_w", w1), ("fc1_b", b1), ("bn_scale", gamma), ("bn_B", beta),
                                           ("bn_mean", mean), ("bn_var", var), ("fc2_w", w2), ("fc2_b", b2)]]
    nodes = [
        helper.make_node("MatMul", ["input", "fc1_w"], ["mm1"], name="fc1_matmul"),
        helper.make_node("Add", ["mm1", "fc1_b"], ["add1"], name="fc1_add"),
        helper.make_node("BatchNormalization", ["add1", "bn_scale", "bn_B", "bn_mean", "bn_var"], ["bn"],
                         name="bn", epsilon=eps),
        helper.make_node("Relu", ["bn"], ["relu"], name="relu"),
        helper.make_node("MatMul", ["relu", "fc2_w"], ["mm2"], name="fc2_matmul"),
        helper.make_node("Add", ["mm2", "fc2_b"], ["logits"], name="fc2_add"),
    ]
    graph = helper.make_graph(nodes, "matmul_bn", [input_vi("input", ["N", 10])], [input_vi("logits", ["N", 3])],
                              initializer=inits)
    path = os.path.join(out, "matmul_bn.onnx")
    onnx.save(make_model(graph), path)
    check_self_contained(path)
    log("  matmul_bn: by hand (onnx.helper); initializers in raw_data, BatchNormalization epsilon 1e-3")
    fw, fb = fold_bn(w1, b1, gamma, beta, mean, var, eps, 1)   # MatMul weight [in, out]: channel axis 1
    x = reference_input((2, 10)).astype(np.float64)
    h = np.maximum(x @ fw.astype(np.float64) + fb, 0)
    folded = h @ w2.astype(np.float64) + b2
    return path, (2, 10), folded, None, None


def make_transpose_constants(out, log):
    rng = np.random.default_rng(5)
    conv_hwio = f32(rng.normal(0, 0.4, (3, 3, 1, 4)))   # a TensorFlow-style [kh, kw, in, out] kernel
    conv_b = f32(rng.normal(0, 0.1, 4))
    fc1_w = f32(rng.normal(0, 0.2, (8, 64)))            # [out, in], read through Transpose (default perm)
    fc1_b = f32(rng.normal(0, 0.1, 8))
    fc2_w = f32(rng.normal(0, 0.4, (3, 8)))             # a Constant node, read through Transpose
    fc2_b = f32(rng.normal(0, 0.1, 3))
    inits = [raw_tensor(n, a) for n, a in [("conv_hwio", conv_hwio), ("conv_b", conv_b), ("fc1_w", fc1_w),
                                           ("fc1_b", fc1_b), ("fc2_b", fc2_b)]]
    nodes = [
        helper.make_node("Transpose", ["conv_hwio"], ["conv_w"], name="conv_w_transpose", perm=[3, 2, 0, 1]),
        helper.make_node("Conv", ["input", "conv_w", "conv_b"], ["conv"], name="conv", kernel_shape=[3, 3]),
        helper.make_node("Relu", ["conv"], ["relu1"], name="relu1"),
        helper.make_node("Flatten", ["relu1"], ["flat"], name="flatten", axis=1),
        helper.make_node("Transpose", ["fc1_w"], ["fc1_wt"], name="fc1_w_transpose"),
        helper.make_node("MatMul", ["flat", "fc1_wt"], ["mm1"], name="fc1_matmul"),
        helper.make_node("Add", ["mm1", "fc1_b"], ["add1"], name="fc1_add"),
        helper.make_node("Tanh", ["add1"], ["tanh"], name="tanh"),
        helper.make_node("Constant", [], ["fc2_w"], name="fc2_w_constant", value=typed_tensor("fc2_w", fc2_w)),
        helper.make_node("Transpose", ["fc2_w"], ["fc2_wt"], name="fc2_w_transpose", perm=[1, 0]),
        helper.make_node("Gemm", ["tanh", "fc2_wt", "fc2_b"], ["logits"], name="fc2"),
    ]
    graph = helper.make_graph(nodes, "transpose_constants", [input_vi("input", ["N", 1, 6, 6])],
                              [input_vi("logits", ["N", 3])], initializer=inits)
    path = os.path.join(out, "transpose_constants.onnx")
    onnx.save(make_model(graph), path)
    check_self_contained(path)
    log("  transpose_constants: by hand (onnx.helper); every weight read through a Transpose of a constant:"
        " Conv of an [kh, kw, in, out] initializer (perm 3,2,0,1), MatMul of an [out, in] initializer"
        " (default perm), Gemm of a Constant node (perm 1,0)")
    x = reference_input((2, 1, 6, 6)).astype(np.float64)
    h = np.maximum(conv2d(x, conv_hwio.transpose(3, 2, 0, 1).astype(np.float64), conv_b), 0)
    h = np.tanh(h.reshape(2, -1) @ fc1_w.T.astype(np.float64) + fc1_b)
    folded = h @ fc2_w.T.astype(np.float64) + fc2_b
    return path, (2, 1, 6, 6), folded, None, None


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--listing", default=os.path.join(HERE, "extra_fixtures.txt"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    report = io.StringIO()

    def log(s=""):
        print(s, flush=True)
        report.write(s + "\n")

    log(f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}, "
        f"numpy {np.__version__}, python {sys.version.split()[0]}")
    log("extra fixtures; reference input x[i] = (float) ((i * 37 % 101) / 50.0 - 1.0), row-major, batch 2.")
    log("'folded' = numpy (float64 arithmetic, float32 folded weights) output of the same net with every "
        "BatchNormalization folded into the Conv/Gemm/MatMul+Add before it (s = gamma / sqrt(var + eps), "
        "W' = W * s, b' = (b - mean) * s + beta per output channel) and the final (Log)Softmax removed, "
        "i.e. pre-softmax logits; Dropout is the identity.")
    files = []
    for make in (make_bn_softmax, make_identity_softmax_constants, make_matmul_bn, make_transpose_constants):
        path, shape, folded, final, pt = make(args.out, log)
        files.append(path)
        name = os.path.basename(path)[:-5]
        x = reference_input(shape)
        rt = ort_predict(path, x)
        log(f"  {name}: input {list(shape)}, ops {ops_of(path)}")
        if pt is not None:
            log(f"    max |PyTorch - ORT| {np.abs(pt - rt).max():.3g}")
        log("    ORT output 'logits':")
        log("      " + fmt(rt).replace("\n", "\n      "))
        log("    folded (pre-softmax) logits:")
        log("      " + fmt(f32(folded)).replace("\n", "\n      "))
        if final is not None:
            log(f"    max |{final.__name__}(folded) - ORT| {np.abs(final(folded) - rt).max():.3g}")
        else:
            log(f"    max |folded - ORT| {np.abs(folded - rt).max():.3g}")

    listings = "".join(listing(f) + "\n" for f in files)
    with open(args.listing, "w") as f:
        f.write("# Written by make_extra_fixtures.py; do not edit.\n\n")
        f.write(report.getvalue() + "\n")
        f.write(listings)
    log(f"wrote {args.listing}")


if __name__ == "__main__":
    main()
