"""The FLOP count of bench/bench_scale.py against torch's profiler on the real network code."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bench_scale import epoch_flops, forward_flops  # noqa: E402

from lassonetpy.engine.network import forward, forward_backward, init_params  # noqa: E402

GEMMS = ("aten::mm", "aten::bmm", "aten::baddbmm", "aten::addmm", "aten::matmul")


def _gemm_flops(fn) -> float:
    with profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
        fn()
    return float(sum(e.flops for e in prof.key_averages() if e.key in GEMMS and e.flops))


@pytest.mark.parametrize(
    "B, n, d, hidden, O", [(1, 40, 7, (6,), 1), (3, 50, 9, (6, 4), 2), (11, 30, 5, (8,), 8)]
)
def test_epoch_flops_equal_the_profiled_matrix_products(B, n, d, hidden, O):
    p = init_params(
        B,
        d,
        hidden,
        O,
        generator=torch.Generator().manual_seed(0),
        dtype=torch.float64,
        device=torch.device("cpu"),
    )
    X = torch.randn(n, d, dtype=torch.float64, generator=torch.Generator().manual_seed(1))

    def loss_grad(eta):
        return (eta**2).sum((1, 2)), 2 * eta

    assert _gemm_flops(lambda: forward_backward(p, X, loss_grad)) == epoch_flops(n, d, hidden, O, B)
    assert _gemm_flops(lambda: forward(p, X)) == forward_flops(n, d, hidden, O, B)
