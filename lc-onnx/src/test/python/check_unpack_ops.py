#!/usr/bin/env python3
"""Checks, with ONNX Runtime, the ops an exporter of compressed weights would use to unpack
b-bit codes from 1-bit planes packed in bytes, with a tiny example whose outputs are printed.

Graph (global codebook), all tensors initializers:

    plane_j      uint8 [m, 1]        packed bits of plane j (bit k of byte i = bit j of code 8i+k)
    shifts       uint8 [8]           [7, 6, 5, 4, 3, 2, 1, 0]
    left_j  = BitShift(plane_j, shifts, direction=LEFT)      uint8 [m, 8] (wraps modulo 256?)
    bits_j  = BitShift(left_j, 7 (uint8 [1]), direction=RIGHT)  uint8 [m, 8]: column k = bit k
    flat_j  = Slice(Reshape(Cast(bits_j, INT64), [m*8]), [0], [n], [0])   int64 [n]
    idx     = Sum_j Mul(flat_j, 2^j)                           int64 [n]
    w       = Reshape(Gather(codebook float [K], idx), shape)  float [shape]
    per-channel: w = Reshape(GatherElements(codebook [C, K], Reshape(idx, [C, n/C]), axis=1), shape)

Also runs each model declared as opset 11 and opset 13, and tries the alternatives to
BitShift (Div/Mod/BitwiseAnd on uint8 and int32) one op at a time.
"""

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

np.set_printoptions(linewidth=160)

# ------------------------------------------------------------ tiny example
CODES = np.array([0, 1, 2, 3, 3, 2, 1, 0, 1, 2], dtype=np.int64)   # n = 10 codes of 2 bits
N, BITS, K = CODES.size, 2, 4
M = (N + 7) // 8                                                    # 2 bytes per plane
SHAPE = [2, 5]
CODEBOOK = np.array([-1.5, -0.25, 0.5, 2.0], dtype=np.float32)
CODEBOOK_C = np.array([[-1.0, -0.5, 0.5, 1.0], [10.0, 20.0, 30.0, 40.0]], dtype=np.float32)  # [C=2, K]


def pack_plane(codes, j):
    bits = ((codes >> j) & 1).astype(np.uint8)
    bits = np.concatenate([bits, np.zeros(M * 8 - len(bits), np.uint8)]).reshape(M, 8)
    return (bits << np.arange(8, dtype=np.uint8)).sum(axis=1, dtype=np.uint16).astype(np.uint8).reshape(M, 1)


PLANES = [pack_plane(CODES, j) for j in range(BITS)]


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def unpack_graph(per_channel, opset):
    inits = [init("shifts", np.array([7, 6, 5, 4, 3, 2, 1, 0], np.uint8)),
             init("seven", np.array([7], np.uint8)),
             init("flat_shape", np.array([M * 8], np.int64)),
             init("starts", np.array([0], np.int64)),
             init("ends", np.array([N], np.int64)),
             init("axes", np.array([0], np.int64)),
             init("w_shape", np.array(SHAPE, np.int64))]
    nodes, outputs = [], []
    terms = []
    for j, plane in enumerate(PLANES):
        inits += [init(f"plane{j}", plane), init(f"pow{j}", np.array(1 << j, np.int64))]
        nodes += [
            helper.make_node("BitShift", [f"plane{j}", "shifts"], [f"left{j}"], direction="LEFT"),
            helper.make_node("BitShift", [f"left{j}", "seven"], [f"bits{j}"], direction="RIGHT"),
            helper.make_node("Cast", [f"bits{j}"], [f"bits64_{j}"], to=TensorProto.INT64),
            helper.make_node("Reshape", [f"bits64_{j}", "flat_shape"], [f"flat{j}"]),
            helper.make_node("Slice", [f"flat{j}", "starts", "ends", "axes"], [f"sliced{j}"]),
            helper.make_node("Mul", [f"sliced{j}", f"pow{j}"], [f"term{j}"]),
        ]
        outputs += [helper.make_tensor_value_info(f"left{j}", TensorProto.UINT8, [M, 8]),
                    helper.make_tensor_value_info(f"bits{j}", TensorProto.UINT8, [M, 8])]
        terms.append(f"term{j}")
    acc = terms[0]
    for j in range(1, len(terms)):
        nodes.append(helper.make_node("Add", [acc, terms[j]], [f"acc{j}"]))
        acc = f"acc{j}"
    outputs.append(helper.make_tensor_value_info(acc, TensorProto.INT64, [N]))
    if per_channel:
        c = CODEBOOK_C.shape[0]
        inits += [init("codebook", CODEBOOK_C), init("codes_shape", np.array([c, N // c], np.int64))]
        nodes += [helper.make_node("Reshape", [acc, "codes_shape"], ["codes2d"]),
                  helper.make_node("GatherElements", ["codebook", "codes2d"], ["gathered"], axis=1)]
    else:
        inits.append(init("codebook", CODEBOOK))
        nodes.append(helper.make_node("Gather", ["codebook", acc], ["gathered"], axis=0))
    nodes.append(helper.make_node("Reshape", ["gathered", "w_shape"], ["w"]))
    outputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, SHAPE))
    graph = helper.make_graph(nodes, "unpack", [], outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              ir_version={11: 6, 13: 7}[opset], producer_name="check_unpack_ops")
    onnx.checker.check_model(model, full_check=True)
    return model


def run(model, feeds=None, optimize=True):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
                                     else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feeds or {})))


def check_unpack():
    print(f"codes {CODES.tolist()}  (n={N}, {BITS} planes, m={M} bytes/plane)")
    for j, p in enumerate(PLANES):
        print(f"plane{j} bytes {p.ravel().tolist()}  = {[format(int(b), '08b') for b in p.ravel()]}")
    expected_idx = CODES
    for per_channel in (False, True):
        for opset in (11, 13):
            for optimize in (False, True):
                out = run(unpack_graph(per_channel, opset), optimize=optimize)
                acc = [k for k in out if k.startswith("term") or k.startswith("acc")][0]
                assert np.array_equal(out[acc], expected_idx), out[acc]
                if per_channel:
                    exp_w = np.take_along_axis(CODEBOOK_C, CODES.reshape(2, -1), axis=1).reshape(SHAPE)
                else:
                    exp_w = CODEBOOK[CODES].reshape(SHAPE)
                assert np.array_equal(out["w"], exp_w), out["w"]
                for j, p in enumerate(PLANES):
                    wrap = (p.astype(np.int64) << np.array([7, 6, 5, 4, 3, 2, 1, 0])) % 256
                    assert np.array_equal(out[f"left{j}"], wrap.astype(np.uint8)), "LEFT shift does not wrap"
                    assert out[f"left{j}"].dtype == np.uint8
                print(f"OK  per_channel={per_channel} opset={opset} optimizations={'all' if optimize else 'off'}")
                if opset == 13 and not optimize:
                    for j in range(BITS):
                        print(f"    left{j} =\n{out[f'left{j}']}\n    bits{j} =\n{out[f'bits{j}']}")
                    print(f"    idx = {out[acc].tolist()}\n    w =\n{out['w']}")


def try_op(op, dtype, a, b, opset, **attrs):
    x = helper.make_tensor_value_info("a", dtype, list(a.shape))
    y = helper.make_tensor_value_info("b", dtype, list(b.shape))
    z = helper.make_tensor_value_info("z", dtype, None)
    g = helper.make_graph([helper.make_node(op, ["a", "b"], ["z"], **attrs)], "t", [x, y], [z])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)
    try:
        return run(m, {"a": a, "b": b}, optimize=False)["z"].tolist()
    except Exception as e:  # report unsupported combinations
        return f"FAILS: {str(e).splitlines()[0][:160]}"


def check_alternatives():
    a8 = np.array([181, 255, 1, 128], np.uint8)
    a32 = a8.astype(np.int32)
    print("alternatives (each op alone, inputs as graph inputs, optimizations off):")
    cases = [
        ("BitShift LEFT uint8 181,255,1,128 << 1", "BitShift", TensorProto.UINT8, a8, np.full(4, 1, np.uint8), 13, {"direction": "LEFT"}),
        ("BitShift RIGHT uint8 >> 3", "BitShift", TensorProto.UINT8, a8, np.full(4, 3, np.uint8), 13, {"direction": "RIGHT"}),
        ("BitShift uint8 shift by 8 (>= width)", "BitShift", TensorProto.UINT8, a8, np.full(4, 8, np.uint8), 13, {"direction": "LEFT"}),
        ("BitShift int32 (not in spec)", "BitShift", TensorProto.INT32, a32, np.full(4, 1, np.int32), 13, {"direction": "LEFT"}),
        ("Div uint8 / 4", "Div", TensorProto.UINT8, a8, np.full(4, 4, np.uint8), 13, {}),
        ("Mod uint8 % 2 (fmod=0)", "Mod", TensorProto.UINT8, a8, np.full(4, 2, np.uint8), 13, {}),
        ("Div int32 / 4", "Div", TensorProto.INT32, a32, np.full(4, 4, np.int32), 13, {}),
        ("Mod int32 % 2", "Mod", TensorProto.INT32, a32, np.full(4, 2, np.int32), 13, {}),
        ("Div int64 / 4", "Div", TensorProto.INT64, a32.astype(np.int64), np.full(4, 4, np.int64), 13, {}),
        ("Mod int64 % 2", "Mod", TensorProto.INT64, a32.astype(np.int64), np.full(4, 2, np.int64), 13, {}),
        ("Mul uint8 * 2 (wrap?)", "Mul", TensorProto.UINT8, a8, np.full(4, 2, np.uint8), 13, {}),
        ("Div uint8 / 4 at opset 14", "Div", TensorProto.UINT8, a8, np.full(4, 4, np.uint8), 14, {}),
        ("Mul uint8 * 2 at opset 14 (wrap?)", "Mul", TensorProto.UINT8, a8, np.full(4, 2, np.uint8), 14, {}),
        ("BitShift uint16 << 1", "BitShift", TensorProto.UINT16, a8.astype(np.uint16), np.full(4, 1, np.uint16), 13, {"direction": "LEFT"}),
        ("BitShift uint32 << 1", "BitShift", TensorProto.UINT32, a8.astype(np.uint32), np.full(4, 1, np.uint32), 13, {"direction": "LEFT"}),
        ("BitShift uint64 << 1", "BitShift", TensorProto.UINT64, a8.astype(np.uint64), np.full(4, 1, np.uint64), 13, {"direction": "LEFT"}),
        ("BitwiseAnd uint8 & 1 (opset 18)", "BitwiseAnd", TensorProto.UINT8, a8, np.full(4, 1, np.uint8), 18, {}),
    ]
    for label, op, dt, a, b, opset, attrs in cases:
        print(f"  {label}: {try_op(op, dt, a, b, opset, **attrs)}")


def opset_history():
    """Versions in which each op used here was (re)defined, from onnx.defs."""
    ops = ["BitShift", "Cast", "Reshape", "Slice", "Mul", "Add", "Gather", "GatherElements",
           "Unsqueeze", "Concat", "Shape", "Mod", "Div", "BitwiseAnd"]
    history = {}
    for schema in onnx.defs.get_all_schemas_with_history():
        if schema.domain == "" and schema.name in ops:
            history.setdefault(schema.name, []).append(schema.since_version)
    print("op versions in the default domain (onnx.defs):")
    for op in ops:
        print(f"  {op}: {sorted(history[op])}")


if __name__ == "__main__":
    print(f"onnxruntime {ort.__version__}, onnx {onnx.__version__}")
    check_unpack()
    check_alternatives()
    opset_history()
