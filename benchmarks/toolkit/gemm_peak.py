#!/usr/bin/env python3
"""Measures the machine's single-precision matrix-product rate with PyTorch (oneDNN/MKL) on N threads.

The ceiling that any LeNet300 step on this machine stays under: a step at batch 128 is 144.2
million floating-point operations, 120.4 million of them the first layer's two products (forward,
128x784 by 784x300, and its weight gradient, 784x128 by 128x300). Prints GFLOP/s per product
size: first those two, then large square products, the best a library reaches on these cores.

    python3 gemm_peak.py [--threads 2] [--seconds 3]

Outside the Maven build; nothing in the build runs it (see README.md here).
"""
import argparse
import time

import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for rows, inner, columns in [(128, 784, 300), (784, 128, 300), (2048, 2048, 2048), (4096, 4096, 4096)]:
        a = torch.randn(rows, inner)
        b = torch.randn(inner, columns)
        for _ in range(3):
            a @ b
        start = time.perf_counter()
        products = 0
        while time.perf_counter() - start < args.seconds:
            a @ b
            products += 1
        elapsed = time.perf_counter() - start
        rate = 2.0 * rows * inner * columns * products / elapsed / 1e9
        print(f"{rows}x{inner} by {inner}x{columns}: {rate:.1f} GFLOP/s on {args.threads} threads")


if __name__ == "__main__":
    main()
