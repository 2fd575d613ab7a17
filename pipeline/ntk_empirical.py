"""Empirical NTK of an NTK-parameterised MLP from its layer structure (no Jacobian materialised).

Conventions of ``models``: z_l = (w_std_l / sqrt(n_{l-1})) H_{l-1} @ W_l + b_std * b_l,
l = 1 .. L+1 (L = depth), f = z_{L+1} of shape (N, d_out). With G_l = df/dz_l (per output),
g_{L+1} = e_k and g_l = phi'(z_l) * (g_{l+1} @ W_{l+1}^T) * w_std_{l+1} / sqrt(n_l),

    K(x, x') = sum_l [ (w_std_l^2 / n_{l-1}) (H_{l-1} H_{l-1}'^T) + b_std^2 ] o (G_l G_l'^T)

(o: elementwise product; the first bracket covers W_l, the "+ b_std^2" the bias b_l). For
d_out > 1 the kernel is traced over outputs and divided by d_out, i.e. the mean over outputs,
which is neural-tangents' ``empirical_ntk_fn`` default (``trace_axes=(-1,)``); for d_out = 1
(the usual case here) it is just <grad f(x), grad f(x')>.

``ntk_parts`` returns the per-layer terms, shape (L+1, N1, N2): for the two-layer ReLU net (depth 1, no
bias) part 0 is K^(a) (first layer) and part 1 is K^(b) (read-out); ``ntk`` returns their sum.

Cost and memory: one forward and one backward pass (O(N L m^2) flops, the same as a gradient)
plus two (N1 x N2 x m) matmuls per layer (O(L N^2 m)); never the (N, P) Jacobian. The signals
take 2 (L+1) N m floats. With ``block_size`` B the kernel is written tile by tile (B x B) into
the output in place, so the memory is signals + output + one tile (without tiles, XLA also holds
the per-layer N x N Gram matrices); when x2 is None only the tiles on and above the diagonal are
computed and mirrored, which saves up to half of the O(N^2 m) work for large N.
Everything is jit/vmap friendly (``spec`` and ``block_size`` are static); see ``ntk_parts_jit``.
``relative_errors`` measures an empirical kernel against its limit (numpy, float64).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .models import MLPSpec, activation, forward


def backward_signals(params: list[dict], x: jax.Array, spec: MLPSpec):
    """Layer inputs H_{l-1} (N, n_{l-1}) and output sensitivities G_l = df/dz_l, l = 1..L+1.

    G_l has shape (N, n_l) for d_out = 1 and (N, d_out, n_l) otherwise (G_{L+1} = identity).
    """
    _, dphi = activation(spec)
    _, hs, zs = forward(params, x, spec)
    n, k = x.shape[0], spec.d_out
    gs = [jnp.broadcast_to(jnp.eye(k, dtype=hs[-1].dtype), (n, k, k))]
    for l in range(spec.depth, 0, -1):  # hidden layers L..1 (0-based index l-1 into zs)
        g = (gs[0] @ params[l]["W"].T) * (spec.w_stds[l] / math.sqrt(spec.fan_ins[l]))
        gs.insert(0, g * dphi(zs[l - 1])[:, None, :])
    if k == 1:
        gs = [g[:, 0, :] for g in gs]
    return hs, gs


def _signals(params: list[dict], x: jax.Array, spec: MLPSpec):
    """Scaled matmul operands, l = 1..L+1:

    A_l = [(w_std_l / sqrt(n_{l-1})) H_{l-1}, b_std], sample-major (N, n_{l-1} [+1]);
    B_l = G_l / sqrt(d_out), feature-major (d_out n_l, N), l = 1..L (B_{L+1}^T B_{L+1}' = 1).

    Then part_l = (A_l A_l'^T) o (B_l^T B_l') and the read-out part is A_{L+1} A_{L+1}'^T.
    The backward pass runs feature-major (W @ G^T): on XLA:CPU that GEMM is 2-5x faster than
    G @ W^T (measured in benchmarks/ntk_speed.py's development).
    """
    _, dphi = activation(spec)
    _, hs, zs = forward(params, x, spec)
    n, k = x.shape[0], spec.d_out
    a = []
    for l, h in enumerate(hs):
        h = h * (spec.w_stds[l] / math.sqrt(spec.fan_ins[l]))
        if spec.b_std is not None:
            h = jnp.concatenate([h, jnp.full((n, 1), spec.b_std, h.dtype)], axis=1)
        a.append(h)
    # g^T of the read-out: (k, k, N) = delta_{oj}; scaled by 1/sqrt(k) (mean over outputs)
    g = jnp.broadcast_to(jnp.eye(k, dtype=hs[-1].dtype)[:, :, None] / math.sqrt(k), (k, k, n))
    b = []
    for l in range(spec.depth, 0, -1):  # hidden layers L..1
        g = (params[l]["W"] @ g.reshape(g.shape[0], k * n)).reshape(-1, k, n)
        g = g * ((spec.w_stds[l] / math.sqrt(spec.fan_ins[l])) * dphi(zs[l - 1]).T[:, None, :])
        b.insert(0, g.reshape(-1, n))
    return a, b


def _tile(s1, s2, reduce: bool) -> jax.Array:
    """Kernel between two sets of signals: (L+1, n1, n2), or (n1, n2) summed over layers if reduce."""
    (a1, b1), (a2, b2) = s1, s2
    parts = [(a1[l] @ a2[l].T) * (b1[l].T @ b2[l]) for l in range(len(b1))]
    parts.append(a1[-1] @ a2[-1].T)
    return sum(parts) if reduce else jnp.stack(parts)


def _take(s, start, size: int):
    a, b = s
    return (
        [jax.lax.dynamic_slice_in_dim(t, start, size, axis=0) for t in a],
        [jax.lax.dynamic_slice_in_dim(t, start, size, axis=1) for t in b],
    )


def _symmetrize(k: jax.Array) -> jax.Array:
    """Mirror the upper triangle onto the lower one (exact symmetry despite GEMM rounding)."""
    r = jnp.arange(k.shape[-1])
    return jnp.where(r[:, None] <= r[None, :], k, jnp.swapaxes(k, -1, -2))


def _starts(n: int, block: int) -> list[int]:
    """Tile offsets covering 0..n-1; the last tile is moved back to end at n (it overlaps the
    previous one and recomputes a few entries, so no padding and no copy are needed)."""
    return [min(i * block, n - block) for i in range(-(-n // block))]


def _blocked(s1, s2, n1: int, n2: int, block: int, symmetric: bool, reduce: bool) -> jax.Array:
    """Write (block x block) tiles into the output in place (``fori_loop`` + dynamic_update_slice):
    memory = signals + output + one tile. Only tiles on and above the diagonal when ``symmetric``
    (each is also written transposed below it)."""
    st1, st2 = _starts(n1, block), _starts(n2, block)
    pairs = [(i, j) for i in range(len(st1)) for j in range(len(st2)) if not symmetric or j >= i]
    r0 = jnp.array([st1[i] for i, _ in pairs], jnp.int32)
    c0 = jnp.array([st2[j] for _, j in pairs], jnp.int32)
    lead = () if reduce else (len(s1[0]),)
    zero = jnp.zeros((), jnp.int32)

    def body(p, out):
        r, c = r0[p], c0[p]
        tile = _tile(_take(s1, r, block), _take(s2, c, block), reduce)
        out = jax.lax.dynamic_update_slice(out, tile, (zero,) * len(lead) + (r, c))
        if symmetric:
            out = jax.lax.dynamic_update_slice(out, jnp.swapaxes(tile, -1, -2), (zero,) * len(lead) + (c, r))
        return out

    dtype = s1[0][0].dtype
    out = jax.lax.fori_loop(0, len(pairs), body, jnp.zeros(lead + (n1, n2), dtype))
    return _symmetrize(out) if symmetric else out


def _kernel(params, x1, spec, x2, block_size, reduce):
    s1 = _signals(params, x1, spec)
    symmetric = x2 is None
    s2 = s1 if symmetric else _signals(params, x2, spec)
    n1, n2 = x1.shape[0], (x1 if symmetric else x2).shape[0]
    if block_size == "auto":
        block_size = auto_block_size(max(n1, n2))
    if block_size is not None and (not isinstance(block_size, int) or block_size < 1):
        raise ValueError(f"block_size must be an int >= 1, None or 'auto', got {block_size!r}")
    if block_size is None or block_size >= min(n1, n2):
        k = _tile(s1, s2, reduce)
        return _symmetrize(k) if symmetric else k
    return _blocked(s1, s2, n1, n2, block_size, symmetric, reduce)


def ntk_parts(
    params: list[dict],
    x1: jax.Array,
    spec: MLPSpec,
    x2: jax.Array | None = None,
    block_size: int | str | None = "auto",
) -> jax.Array:
    """Per-layer empirical NTK parts, shape (depth+1, N1, N2); their sum is K(x1, x2).

    Part l includes layer l's weight term and, when the net has biases, its bias term.
    x2=None means x2 = x1 (the result is then exactly symmetric). ``block_size``: tile size over
    N; None: one tile; "auto": ``auto_block_size(max(N1, N2))``.
    """
    return _kernel(params, x1, spec, x2, block_size, reduce=False)


def ntk(
    params: list[dict],
    x1: jax.Array,
    spec: MLPSpec,
    x2: jax.Array | None = None,
    block_size: int | str | None = "auto",
) -> jax.Array:
    """Empirical NTK K(x1, x2), shape (N1, N2) (the parts summed inside each tile)."""
    return _kernel(params, x1, spec, x2, block_size, reduce=True)


ntk_parts_jit = jax.jit(ntk_parts, static_argnames=("spec", "block_size"))
ntk_jit = jax.jit(ntk, static_argnames=("spec", "block_size"))


def auto_block_size(n: int) -> int | None:
    """A good tile size on CPU: no tiling for N <= 512, else ~N/4 (a multiple of 128, >= 256).

    Tiling the symmetric kernel saves (1 - (nb+1)/(2 nb)) of the N^2 m work for nb tiles, at the
    price of smaller matmuls; measured in benchmarks/ntk_speed.py.
    """
    if n <= 512:
        return None
    return max(256, 128 * round(n / 4 / 128))


def relative_errors(emp: np.ndarray, ana: np.ndarray) -> np.ndarray:
    """Relative Frobenius and spectral errors, (S, P, 2), of the full kernel (p = 0) and each part.

    emp (S, L+1, N, N) empirical parts, ana (L+1, N, N) their limits; computed in float64. The
    spectral norm uses eigvalsh (the kernels are symmetric).
    """
    emp = np.asarray(emp, dtype=np.float64)
    ana = np.asarray(ana, dtype=np.float64)
    emp = np.concatenate([emp.sum(1, keepdims=True), emp], axis=1)
    ana = np.concatenate([ana.sum(0, keepdims=True), ana], axis=0)
    diff = emp - ana[None]
    fro = np.linalg.norm(diff, axis=(-2, -1)) / np.linalg.norm(ana, axis=(-2, -1))[None]
    spec_diff = np.abs(np.linalg.eigvalsh(diff)).max(-1)
    spec_ref = np.abs(np.linalg.eigvalsh(ana)).max(-1)
    return np.stack([fro, spec_diff / spec_ref[None]], axis=-1)
