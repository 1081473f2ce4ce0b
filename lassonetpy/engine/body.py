"""Any PyTorch body: a user's ``torch.nn.Module`` as the network of a batch of LassoNet models.

``fit_path(..., body=module)`` trains ``output = X theta^T + module(X)`` where ``module``'s first
layer is a ``torch.nn.Linear(d, K)``: its weight is ``W0``, Hier-Prox acts on ``(theta, W0)``
after every step, and everything else (the dense fit, step size, stopping rule, grid, warm
starts, CV batches) is the engine's own. :class:`BodyNetwork` is the adaptor: it lays a
module's parameters out as a :class:`~lassonetpy.engine.network.Params` (``first`` = ``[theta;
W0]`` (B, O + K, d), the other matrices in ``weights``, vectors in ``biases``, the output bias
last), and :mod:`lassonetpy.engine.network`'s ``forward`` / ``forward_backward`` hand a
``Params`` whose ``body`` is set to it. Gradients come from autograd through
``torch.func.functional_call``; the loss and its derivative are still the family's.

**A loop over the models, not vmap.** Each model of a batch (CV folds) sees only its own
training rows: in train mode a batch-norm layer normalises by the statistics of the rows it is
given, so the rows outside a fold (and the zero padding rows) must not be in the pass at all.
The models' row sets differ in size, which ``vmap`` cannot batch; a Python loop over the ``B``
models with ``functional_call`` on one stateless template can. Batch norm is trained in train
mode without running statistics (``track_running_stats`` off in the training copy, so nothing is
updated in place); after the path, every stored state gets the *exact* (biased) batch
statistics of its model's training rows as running statistics (:meth:`BodyNetwork.finish`), so
the evaluation-mode network used by ``predict`` (and for the recorded loss) gives the training
rows the same outputs as the trained one. Observation weights do not enter batch-norm
statistics (rows with positive weight count once).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from ..errors import InputTypeError, bad_value
from .network import Params

__all__ = ["BodyNetwork", "first_linear"]

_INTERCEPT = "<intercept>"  # the package's output bias, when the body has no final one


def first_linear(module: Any) -> tuple[str, nn.Module | None]:
    """Name and module of ``module``'s first layer: the first registered submodule that holds
    parameters of its own (for ``nn.Sequential``, its first layer)."""
    for name, sub in module.named_modules():
        if any(True for _ in sub.parameters(recurse=False)):
            return name, sub
    return "", None


def _expected(d: int) -> str:
    return (
        f"a torch.nn.Module whose first layer is torch.nn.Linear({d}, K) over the {d} input columns"
    )


def check_body(module: Any, d: int) -> tuple[str, nn.Linear]:
    """Validate a user's body for ``d`` input columns; return its first layer and name."""
    if not isinstance(module, nn.Module):
        raise bad_value("body", _expected(d), module, cls=InputTypeError)
    name, first = first_linear(module)
    if not isinstance(first, nn.Linear):
        found = "no layer with parameters" if first is None else f"first layer {first!r}"
        raise bad_value(
            "body",
            _expected(d),
            f"a {type(module).__name__} with {found}",
            "The input must enter through a Linear layer: Hier-Prox ties its weight columns "
            "to the skip weights.",
        )
    if first.in_features != d:
        raise bad_value(
            "body",
            _expected(d),
            f"first layer {first!r} (in_features={first.in_features})",
            f"The design has {d} columns (one per input column after coding factors).",
        )
    for sub_name, sub in module.named_modules():
        if isinstance(sub, nn.modules.batchnorm._BatchNorm) and not sub.track_running_stats:
            raise bad_value(
                "body",
                "a module whose batch-norm layers track running statistics",
                f"{sub_name}: {sub!r}",
                "Without them, predictions would depend on which rows are predicted together.",
            )
    return name, first


class BodyNetwork:
    """A user's module as the network of ``B`` LassoNet models (see the module docstring).

    Parameters
    ----------
    module : torch.nn.Module
        The body; never modified (the adaptor works on deep copies).
    d, n_outputs : int
        Input columns and outputs of the fit.
    dtype, device
        Of the fit; the copies are converted to them.
    """

    def __init__(
        self, module: nn.Module, d: int, n_outputs: int, dtype: torch.dtype, device: torch.device
    ) -> None:
        first_name, first = check_body(module, d)
        self.d, self.O, self.K = d, n_outputs, int(first.out_features)
        self.train_mod = copy.deepcopy(module).to(dtype=dtype, device=device).train()
        self.eval_mod = copy.deepcopy(module).to(dtype=dtype, device=device).eval()
        for sub in self.train_mod.modules():  # batch statistics, nothing updated in place
            if isinstance(sub, nn.modules.batchnorm._BatchNorm):
                sub.track_running_stats = False
        pre = f"{first_name}." if first_name else ""
        self.first_weight = pre + "weight"
        params = dict(self.train_mod.named_parameters())
        out_bias = None
        if isinstance(module, nn.Sequential) and len(module) > 0:
            last = module[-1]
            if isinstance(last, nn.Linear) and last.bias is not None:
                if last.out_features == n_outputs:
                    out_bias = f"{len(module) - 1}.bias"
        self.own_intercept = out_bias is None
        first_bias = pre + "bias" if first.bias is not None else None
        self.weight_names = [
            k for k, v in params.items() if k != self.first_weight and v.dim() >= 2
        ]
        vec = [k for k, v in params.items() if v.dim() < 2 and k not in (first_bias, out_bias)]
        head = [first_bias] if first_bias is not None and first_bias != out_bias else []
        self.bias_names = [*head, *vec, out_bias or _INTERCEPT]
        self.bn_names = [
            k
            for k, sub in self.eval_mod.named_modules()
            if isinstance(sub, nn.modules.batchnorm._BatchNorm)
        ]
        self.buffer_names = [
            f"{k}.{b}" for k in self.bn_names for b in ("running_mean", "running_var")
        ]
        self.training = True
        self._check_forward(params, dtype, device)
        self._eval = copy.copy(self)
        self._eval.training = False
        self._eval._eval = self._eval

    # ------------------------------------------------------------------ layout
    def __repr__(self) -> str:
        return f"BodyNetwork({type(self.eval_mod).__name__}, d={self.d}, K={self.K})"

    def _check_forward(self, params: dict, dtype: torch.dtype, device: torch.device) -> None:
        """The output's shape, and that the input enters through the first layer only."""
        gen = torch.Generator().manual_seed(0)
        X = torch.randn(3, self.d, generator=gen, dtype=torch.float64).to(
            dtype=dtype, device=device
        )
        p = {k: v.detach().clone() for k, v in params.items()}
        p[self.first_weight] = torch.zeros_like(p[self.first_weight])
        with torch.no_grad():
            try:
                out = functional_call(self.eval_mod, p, (X,))
            except Exception as exc:  # the user's forward failed on an (n, d) matrix
                raise bad_value(
                    "body", _expected(self.d), f"a module whose forward raised {exc!r}"
                ) from exc
        if not isinstance(out, torch.Tensor) or tuple(out.reshape(3, -1).shape) != (3, self.O):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise bad_value(
                "body",
                f"a module mapping (n, {self.d}) inputs to (n, {self.O}) outputs",
                f"output {shape} for 3 rows",
            )
        out = out.reshape(3, self.O)
        if not bool(torch.allclose(out, out[:1].expand_as(out), rtol=1e-5, atol=1e-6)):
            raise bad_value(
                "body",
                "a module whose input enters only through its first Linear layer",
                "outputs that vary between rows with that layer's weight set to zero",
                "A second path from the input would bypass the hierarchy (Hier-Prox).",
            )

    def init_params(self, generator: torch.Generator) -> Params:
        """One model's starting parameters: ``theta`` uniform in +-1/sqrt(d) (as the built-in
        network draws it, from the model's generator), the module's own weights, and the
        package's intercept (if any) at zero."""
        ref = self.train_mod.get_parameter(self.first_weight)
        bound = 1.0 / math.sqrt(max(self.d, 1))
        t = torch.rand((1, self.O, self.d), generator=generator, dtype=torch.float64) * 2 - 1
        theta = (t * bound).to(ref)
        first = torch.cat([theta, ref.detach().unsqueeze(0)], 1).contiguous()
        weights = [self._param(k).unsqueeze(0) for k in self.weight_names]
        biases = [self._param(k).unsqueeze(0) for k in self.bias_names]
        return Params(first, weights, biases, self.O, body=self)

    def _param(self, name: str) -> torch.Tensor:
        if name == _INTERCEPT:
            ref = self.train_mod.get_parameter(self.first_weight)
            return ref.new_zeros(self.O)
        return self.train_mod.get_parameter(name).detach().clone()

    def stored(self, tensors: Sequence[torch.Tensor]) -> Params:
        """Parameters of stored tensors (a path state's, with the batch-norm statistics after
        :meth:`finish`), for the evaluation-mode adaptor."""
        nw, nb = len(self.weight_names), len(self.bias_names)
        ts = list(tensors)
        return Params(
            ts[0], ts[1 : 1 + nw], ts[1 + nw : 1 + nw + nb], self.O, body=self._eval,
            buffers=ts[1 + nw + nb :],
        )  # fmt: skip

    def _model(self, p: Params, b: int) -> dict[str, torch.Tensor]:
        out = {self.first_weight: p.first[b, self.O :]}
        out.update({k: t[b] for k, t in zip(self.weight_names, p.weights)})
        out.update({k: t[b] for k, t in zip(self.bias_names, p.biases) if k != _INTERCEPT})
        if p.buffers:
            out.update({k: t[b] for k, t in zip(self.buffer_names, p.buffers)})
        return out

    # ------------------------------------------------------------------ passes
    def forward(self, p: Params, X: torch.Tensor, w: torch.Tensor | None = None) -> torch.Tensor:
        """Linear predictor (B, n, O). In training (``self.training``) each model runs in train
        mode on its rows with ``w > 0`` (all rows without ``w``); the adaptor of stored states
        (:meth:`stored`) runs evaluation mode on every row."""
        n = X.shape[0]
        etas = []
        for b in range(p.n_models):
            pb = self._model(p, b)
            skip = X @ p.theta[b].T  # (n, O)
            if self.training:
                out = self._train_rows(pb, X, None if w is None else w[b])
            else:
                out = self._call(self.eval_mod, pb, X)
            eta = skip + out
            if self.own_intercept:
                eta = eta + p.biases[-1][b]
            etas.append(eta)
        return torch.stack(etas) if etas else X.new_zeros(0, n, self.O)

    def _call(self, mod: nn.Module, pb: dict[str, torch.Tensor], X: torch.Tensor) -> torch.Tensor:
        return functional_call(mod, pb, (X,)).reshape(X.shape[0], self.O)

    def _train_rows(
        self, pb: dict[str, torch.Tensor], X: torch.Tensor, wb: torch.Tensor | None
    ) -> torch.Tensor:
        """Train-mode output on the rows a model trains on, zero on the others."""
        n = X.shape[0]
        if wb is None:
            rows = None
        else:
            rows = torch.nonzero(wb > 0).flatten()
            if rows.numel() == n:
                rows = None
            elif rows.numel() == 0:
                return X.new_zeros(n, self.O)
        Xb = X if rows is None else X.index_select(0, rows)
        if Xb.shape[0] == 1:  # batch norm needs two rows: one row twice has the same statistics
            out = self._call(self.train_mod, pb, Xb.expand(2, -1))[:1]
        else:
            out = self._call(self.train_mod, pb, Xb)
        if rows is None:
            return out
        return X.new_zeros(n, self.O).index_copy(0, rows, out)

    def forward_backward(
        self, p: Params, X: torch.Tensor, loss_grad: Any, w: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Loss (B,) and its gradient per parameter tensor, by autograd through the module;
        ``loss_grad`` is the family's (as for the built-in network)."""
        leaves = [t.detach().requires_grad_(True) for t in p.tensors()]
        with torch.enable_grad():
            eta = self.forward(p.like(leaves), X, w)
        loss, g = loss_grad(eta.detach())
        grads = torch.autograd.grad(eta, leaves, grad_outputs=g, allow_unused=True)
        return loss, [torch.zeros_like(t) if gr is None else gr for t, gr in zip(leaves, grads)]

    # ------------------------------------------------------------------ after the path
    def finish(self, records: list, X: torch.Tensor, w: torch.Tensor) -> list:
        """Records (``collect.Record``) whose states carry, per batch-norm layer and model,
        the batch statistics of that model's training rows (``w > 0``) as running statistics
        (biased variance, as train mode normalises)."""
        if not self.bn_names:
            return records
        from .states import PathState

        out = []
        for r in records:
            ts = [t.to(X.device) for t in r.state.tensors()]
            p = self.stored(ts)
            stats: list[list[torch.Tensor]] = [[] for _ in self.buffer_names]
            for b in range(p.n_models):
                for k, t in enumerate(self._batch_stats(self._model(p, b), X, w[b])):
                    stats[k].append(t)
            bufs = [torch.stack(s) for s in stats]
            out.append(r._replace(state=PathState.compact([*ts, *bufs])))
        return out

    def _batch_stats(
        self, pb: dict[str, torch.Tensor], X: torch.Tensor, wb: torch.Tensor
    ) -> list[torch.Tensor]:
        seen: dict[str, list[torch.Tensor]] = {}
        hooks = []
        mods = dict(self.train_mod.named_modules())
        for name in self.bn_names:

            def hook(_mod: nn.Module, args: tuple, name: str = name) -> None:
                x = args[0]
                dims = [0, *range(2, x.dim())]
                seen[name] = [x.mean(dims), x.var(dims, unbiased=False)]

            hooks.append(mods[name].register_forward_pre_hook(hook))
        try:
            with torch.no_grad():
                self._train_rows(pb, X, wb)
        finally:
            for h in hooks:
                h.remove()
        return [t for name in self.bn_names for t in seen[name]]

    # ------------------------------------------------------------------ users
    def module(self, tensors: Sequence[torch.Tensor], model: int = 0) -> nn.Module:
        """The body of one model at a stored path point, as a module in evaluation mode (a deep
        copy with the stored weights and batch-norm statistics)."""
        p = self.stored(tensors)
        mod = copy.deepcopy(self.eval_mod)
        names = dict(mod.named_parameters())
        with torch.no_grad():
            for k, v in self._model(p, model).items():
                target = names[k] if k in names else mod.get_buffer(k)
                target.copy_(v)
        return mod
