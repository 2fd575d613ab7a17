"""MLP parameterisations (NTK, standard, muP), per-layer learning rates through optax, and the
alpha-centred model of Chizat, Oyallon & Bach (2019).

Every layer l = 0 .. depth (l = depth: the read-out) stores W_l (fan_in, fan_out) and, when the
spec has a bias, b_l (fan_out,), and computes

    z_l = w_mult_l * h_l @ W_l + b_mult_l * b_l,     W_l ~ N(0, w_init_l^2),  b_l ~ N(0, b_init_l^2),

h_{l+1} = phi(z_l) for hidden layers, f = z_depth. Gradient steps use a per-leaf learning-rate
multiplier: W_l <- W_l - lr * lr_mult(W_l) * update. With sigma_l = ``spec.w_stds[l]``
(sigma_0 = w_std_first: sqrt(d) for the two-layer ReLU net's unscaled input), n = fan_in,
beta = b_std and r = width / base_width (``spec.base_width``; None: r = 1), the table implemented is

  =========  ========  ==================  ===================  ===========  ===============
  param.     layer     w_init              w_mult               SGD lr mult  Adam lr mult
  =========  ========  ==================  ===================  ===========  ===============
  ntk        every     1                   sigma_l / sqrt(n)    1            1
  standard   every     sigma_l / sqrt(n)   1                    1            1
  mup        input     sigma_0 / sqrt(n)   1                    r (fan_out)  1
  mup        hidden    sigma_l / sqrt(n)   1                    1            1 / r (fan_in)
  mup        read-out  sigma_L / sqrt(n0)  1 / r                r (fan_in)   1
  =========  ========  ==================  ===================  ===========  ===============

(n0 = base_width: the read-out's stored weights have a width-independent variance). ntk is
``pipeline.models`` (neural-tangents' ``parameterization='ntk'``; biases b ~ N(0, 1) times beta,
b_mult = beta); standard: z = W x + b with W ~ N(0, sigma^2 / fan_in), b ~ N(0, beta^2), one
constant learning rate. mup is Tensor Programs V (Yang et al. 2022, arXiv 2203.03466) Table 8 as
the ``mup`` package implements it (``MuReadout`` with ``set_base_shapes(rescale_params=True)``:
read-out multiplier 1 / width_mult and init rescaled by sqrt(width_mult); ``MuSGD``: lr x
width_mult for vector-like parameters -- input weights by fan_out, read-out weights by fan_in --
and unchanged for hidden matrices; ``MuAdam``: lr / fan_in-mult for hidden matrices only).
Biases (Table 3's convention, vector-like with fan_out = their length): muP hidden biases
b ~ N(0, beta^2), b_mult 1, SGD lr x r, Adam x 1; the read-out bias is unscaled. At r = 1 muP is
exactly the standard parameterisation. For one hidden layer muP is the mean-field net
f = (n0 / m) sum_i b_i relu(a_i . x) (b_i ~ N(0, sigma^2 / n0)) with SGD lr x m / n0 on both
layers. ``init_params(..., readout_zero=True)`` zero-initialises the read-out (the mup package's
recommendation; then the output's initial part, which shrinks like width^-1/2, vanishes).

Optimisers (``optimizer``): ``optax.multi_transform`` with one transform per leaf (labels "l0.W",
"l0.b", ...; multipliers from ``lr_multipliers``): SGD ``optax.sgd(lr * mult)``, Adam
``optax.adam(lr * mult)`` -- the same as scaling each group's update, no hand-written optimiser.
``forward`` / ``optimizer`` / ``effective_ntk`` accept the multipliers as (traced) arguments, so one
compiled program serves every parameterisation of the same shapes (vmapped over them).

Alpha-centred model (Chizat, Oyallon & Bach 2019, "On lazy training in differentiable
programming"): f_alpha(w, x) = alpha (f(w, x) - f(w0, x)), trained on L(f_alpha) / alpha^2 with
L = 1/2 sum (f_alpha - y)^2; its gradient is (1/alpha) sum (f_alpha - y) grad f, which is the
gradient of 1/2 ||f(w) - (f(w0) + y / alpha)||^2: GD on the centred model is plain GD on f towards
the shifted target ``centred_target(f0, y, alpha)`` (so the fast one-hidden-layer gradient of
``training`` serves it). The lazy-limit dynamics d f_alpha / dt = -K (f_alpha - y) do not depend
on alpha; the distance travelled is O(1 / alpha).

Shapes: params are the list-of-dicts pytree of ``models`` (a leading seed axis when stacked);
x (N, d_in), f (N, d_out). Cost: one forward is O(N sum fan_in * fan_out).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .mlp_spec import PARAMETERIZATIONS, MLPSpec, activation

OPTIMIZERS = ("sgd", "adam")


def width_ratio(spec: MLPSpec) -> float:
    """r = width / base_width (1 when base_width is None)."""
    return 1.0 if spec.base_width is None else spec.width / spec.base_width


def layer_table(spec: MLPSpec) -> list[dict]:
    """Per layer: w_init, w_mult, b_init, b_mult, and the lr multipliers {"sgd": {"W", "b"}, "adam": {...}}
    of the table in the module docstring."""
    p = spec.parameterization
    if p not in PARAMETERIZATIONS:
        raise ValueError(f"parameterization must be one of {PARAMETERIZATIONS}, got {p!r}")
    r = width_ratio(spec)
    beta = spec.b_std
    n_layers = spec.depth + 1
    rows = []
    for l, (n, sigma) in enumerate(zip(spec.fan_ins, spec.w_stds)):
        readout, first = l == n_layers - 1, l == 0
        if p == "ntk":
            row = dict(
                w_init=1.0,
                w_mult=sigma / math.sqrt(n),
                b_init=1.0,
                b_mult=beta,
                sgd={"W": 1.0, "b": 1.0},
                adam={"W": 1.0, "b": 1.0},
            )
        elif p == "standard":
            row = dict(
                w_init=sigma / math.sqrt(n),
                w_mult=1.0,
                b_init=beta,
                b_mult=1.0,
                sgd={"W": 1.0, "b": 1.0},
                adam={"W": 1.0, "b": 1.0},
            )
        elif readout:  # mup read-out (MuReadout)
            n0 = n if spec.base_width is None else spec.base_width
            row = dict(
                w_init=sigma / math.sqrt(n0),
                w_mult=1.0 / r,
                b_init=beta,
                b_mult=1.0,
                sgd={"W": r, "b": 1.0},
                adam={"W": 1.0, "b": 1.0},
            )
        elif first:  # mup input weights: vector-like (fan_out infinite)
            row = dict(
                w_init=sigma / math.sqrt(n),
                w_mult=1.0,
                b_init=beta,
                b_mult=1.0,
                sgd={"W": r, "b": r},
                adam={"W": 1.0, "b": 1.0},
            )
        else:  # mup hidden matrices
            row = dict(
                w_init=sigma / math.sqrt(n),
                w_mult=1.0,
                b_init=beta,
                b_mult=1.0,
                sgd={"W": 1.0, "b": r},
                adam={"W": 1.0 / r, "b": 1.0},
            )
        rows.append(row)
    return rows


def scale_init(spec: MLPSpec, unit: list[dict], readout_zero: bool = False) -> list[dict]:
    """Parameters from standard-normal draws ``unit`` (shaped like the params, any leading axes,
    numpy or jax): W_l = w_init_l * unit, b_l = b_init_l * unit. ``readout_zero``: read-out = 0."""
    table = layer_table(spec)
    out = []
    for l, layer in enumerate(unit):
        zero = readout_zero and l == spec.depth
        scaled = {"W": layer["W"] * (0.0 if zero else table[l]["w_init"])}
        if "b" in layer:
            scaled["b"] = layer["b"] * (0.0 if zero else table[l]["b_init"])
        out.append(scaled)
    return out


def init_params(key: jax.Array, spec: MLPSpec, dtype=jnp.float32, readout_zero: bool = False) -> list[dict]:
    """W_l ~ N(0, w_init_l^2), b_l ~ N(0, b_init_l^2) per the table; the same N(0, 1) draws as
    ``models.init_params`` (so the ntk rows reproduce it). ``readout_zero``: read-out W (and b) = 0."""
    unit = []
    keys = jax.random.split(key, 2 * (spec.depth + 1))
    for l, (n_in, n_out) in enumerate(zip(spec.fan_ins, spec.fan_outs)):
        layer = {"W": jax.random.normal(keys[2 * l], (n_in, n_out), dtype)}
        if spec.b_std is not None:
            layer["b"] = jax.random.normal(keys[2 * l + 1], (n_out,), dtype)
        unit.append(layer)
    return jax.tree.map(lambda a: a.astype(dtype), scale_init(spec, unit, readout_zero))


def normal_draws(rng, spec: MLPSpec, n_seeds: int, dtype=np.float32) -> list[dict]:
    """Standard-normal draws for ``n_seeds`` stacked inits from a numpy Generator (no JAX PRNG
    compile: threefry programs cost seconds per new shape on a CPU); scale with ``scale_init``."""
    unit = []
    for n_in, n_out in zip(spec.fan_ins, spec.fan_outs):
        layer = {"W": rng.standard_normal((n_seeds, n_in, n_out), dtype=np.float32).astype(dtype)}
        if spec.b_std is not None:
            layer["b"] = rng.standard_normal((n_seeds, n_out), dtype=np.float32).astype(dtype)
        unit.append(layer)
    return unit


def matmul(h: jax.Array, w: jax.Array) -> jax.Array:
    """h (N, k) @ w (k, m); a sum of k outer products for tiny k (XLA's CPU dot is slow there)."""
    if h.shape[-1] > 8:
        return h @ w
    z = h[:, 0:1] * w[0][None, :]
    for k in range(1, h.shape[-1]):
        z = z + h[:, k : k + 1] * w[k][None, :]
    return z


def multipliers(spec: MLPSpec) -> list[dict]:
    """The forward multipliers {"W": w_mult, "b": b_mult} of every layer (a params-shaped pytree)."""
    out = []
    for row in layer_table(spec):
        leaf = {"W": float(row["w_mult"])}
        if spec.b_std is not None:
            leaf["b"] = float(row["b_mult"])
        out.append(leaf)
    return out


def forward(params: list[dict], x: jax.Array, spec: MLPSpec, mults: list[dict] | None = None):
    """Forward pass of any parameterisation: (f (N, d_out), layer inputs [x, h_1 ..], pre-activations
    [z_0 .., f]) as ``models.forward``. ``mults``: the multipliers (default ``multipliers(spec)``);
    traced values let one compiled program serve several parameterisations of the same shapes."""
    mults = multipliers(spec) if mults is None else mults
    phi, _ = activation(spec)
    hs, zs = [x], []
    h = x
    for l, layer in enumerate(params):
        z = mults[l]["W"] * matmul(h, layer["W"])
        if spec.b_std is not None:
            z = z + mults[l]["b"] * layer["b"]
        zs.append(z)
        if l < spec.depth:
            h = phi(z)
            hs.append(h)
    return zs[-1], hs, zs


def apply(params: list[dict], x: jax.Array, spec: MLPSpec, mults: list[dict] | None = None) -> jax.Array:
    return forward(params, x, spec, mults)[0]


# ---------------------------------------------------------------------------------------------
# per-layer learning rates


def lr_multipliers(spec: MLPSpec, optimizer: str = "sgd") -> list[dict]:
    """The learning-rate multiplier of every leaf: a pytree shaped like the params (floats)."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    out = []
    for row in layer_table(spec):
        leaf = {"W": float(row[optimizer]["W"])}
        if spec.b_std is not None:
            leaf["b"] = float(row[optimizer]["b"])
        out.append(leaf)
    return out


def optimizer(spec: MLPSpec, name: str, lr, lr_mults: list[dict] | None = None, **kwargs):
    """optax optimiser ``name`` ('sgd' | 'adam') at base learning rate ``lr`` (a float or a traced
    scalar) with per-layer multipliers (default ``lr_multipliers(spec, name)``; traced values allowed):
    ``optax.multi_transform`` with one ``optax.<name>(lr * mult, **kwargs)`` per leaf ("l0.W", ...).
    Works on stacked params too (the labels are per leaf, whatever its leading axes)."""
    import optax

    mults = lr_multipliers(spec, name) if lr_mults is None else lr_mults
    labels = [{k: f"l{l}.{k}" for k in layer} for l, layer in enumerate(mults)]
    base = {"sgd": optax.sgd, "adam": optax.adam}[name]
    groups = {f"l{l}.{k}": base(lr * m, **kwargs) for l, layer in enumerate(mults) for k, m in layer.items()}
    return optax.multi_transform(groups, labels)


def effective_ntk(
    spec: MLPSpec,
    params: list[dict],
    x: jax.Array,
    optimizer_name: str = "sgd",
    mults: list[dict] | None = None,
    lr_mults: list[dict] | None = None,
) -> jax.Array:
    """The kernel GD with per-leaf multipliers sees: K = sum_leaves mult * J_leaf J_leaf^T, (N, N)
    for a scalar output (one seed, by reverse-mode Jacobian: for small nets). ``mults`` / ``lr_mults``
    override the spec's forward / learning-rate multipliers (traced values allowed)."""
    lr_m = lr_multipliers(spec, optimizer_name) if lr_mults is None else lr_mults
    jac = jax.jacrev(lambda p: apply(p, x, spec, mults)[:, 0])(params)
    terms = jax.tree.map(
        lambda j, m: m * (j.reshape(j.shape[0], -1) @ j.reshape(j.shape[0], -1).T), jac, lr_m
    )
    return sum(jax.tree.leaves(terms))


# ---------------------------------------------------------------------------------------------
# the alpha-centred model


def centred(apply_fn, params0, alpha: float):
    """f_alpha(w, x) = alpha * (apply_fn(w, x) - apply_fn(w0, x)): zero at w = w0."""

    def f_alpha(params, x):
        return alpha * (apply_fn(params, x) - apply_fn(params0, x))

    return f_alpha


def centred_loss(apply_fn, params0, alpha: float):
    """L(f_alpha) / alpha^2 with L = 1/2 sum (f_alpha - y)^2: the objective of the centred model."""
    f_alpha = centred(apply_fn, params0, alpha)

    def loss(params, x, y):
        return 0.5 * jnp.sum((f_alpha(params, x) - y) ** 2) / alpha**2

    return loss


def centred_target(f0: jax.Array, y: jax.Array, alpha) -> jax.Array:
    """The target t = f(w0) + y / alpha with grad_w 1/2 ||f(w) - t||^2 = grad_w L(f_alpha) / alpha^2."""
    return f0 + y / alpha
