"""Finite random nets of any registered activation at initialisation (jax): correlations, gradient
norms and the empirical NTK layer by layer, for the depth stage.

Net (the conventions of ``signal_propagation``): n units per hidden layer, L hidden layers,

    h^1 = G x                     (G (n, K) iid N(0, q1): the first layer's pre-activations of K unit
                                  inputs x with Gram X^T X, covariance q1 X^T X across units),
    h^(l+1) = sqrt(sw2 / n) W^(l+1) phi(h^l) + sqrt(sb2) b^(l+1),     W, b iid N(0, 1),

i.e. W_ij ~ N(0, sw2 / n), b_i ~ N(0, sb2) in the standard parameterisation, which is also the NTK
parameterisation's forward pass (parameters W, b, G / sqrt(q1) of unit variance; the NTK below is
for those parameters). Drawing h^1 = G x directly is exact in law for a first dense layer with
Gaussian weights and bias whose pre-activation covariance is q1 X^T X.

- ``propagate``: pre-activations of every layer for every input and every sw2 of a grid (the same
  standard-normal W, b for all sw2 of one seed: common random numbers), the empirical correlations
  c^l of input pairs, and the squared norms of the backward signal delta^l = dF/dh^l of F = g . h^L
  (g ~ N(0, I_n)): ||delta^l||^2 / ||delta^(l+1)||^2 -> chi_1 (the gradient-independence limit,
  Schoenholz et al. 2017, Sec. 3). Cost per seed and sw2: 2 L n^2 (K + 1) flops; memory L n^2 for
  the stored weights (the backward pass reuses them).
- ``ntk_by_depth``: the empirical NTK Theta_l (K, K) of the read-out f_l = sqrt(sw2 / n) v_l . phi(h^l)
  + sqrt(sb2) beta_l at every depth l = 1 .. L of one net (fresh v_l, beta_l per depth), from
  per-layer Gram matrices (as ``ntk_empirical``: no Jacobian materialised):
  Theta_l = Sigma_hat^(l+1) + sum_(k <= l) Sigma_hat^k (g_l^k . g_l^k'), with Sigma_hat^1 = q1 x.x',
  Sigma_hat^k = sw2 / n phi(h^(k-1)) . phi(h^(k-1))' + sb2 and g_l^k = df_l / dh^k. The backward
  signals of all read-out depths are carried together down the net (a (L, K, n) state): cost
  per seed 2 L^2 K n^2 flops.
- ``ntk_sampled``: the same NTK of many independent nets (one depth each, one read-out), sampled
  exactly in law by Gaussian conditioning: W is only ever applied to K forward and K backward
  vectors, so each layer draws O(n K) normals instead of n^2 (cost per net depth x (3 n K + n)
  normals, O(depth n K^2) flops): widths of thousands at the cost of hundreds. The depth stage's
  NTK rule uses it; ``ntk_by_depth`` stays as its reference (tests compare their laws).
- ``grad_norms_sampled`` (one input) and ``grams_sampled`` (K inputs, forward pass only): the
  chi_1 and xi_c measurements of ``propagate`` sampled the same way (W only ever meets a few
  vectors), for widths of thousands (chi_1: tens of thousands) on a CPU; ``propagate`` stays as
  their reference (tests compare their laws).
- ``output_moments``: f(x) of many independent small nets (fresh weights per net) for the
  non-Gaussianity of the output at initialisation; returns the read-out's conditional variance
  s^2 = sw2 / n ||phi(h^L)||^2 (+ sb2) per net and depth (f | hidden layers ~ N(0, s^2) exactly).
  One input, so every layer is drawn from its exact conditional law h^(l+1) | h^l ~ N(0, s^2 I_n):
  n normals per layer, not n^2 (cost nets x depth x n).

Randomness: ``jax.random`` keys per seed, split per layer. float64 when run under
``precision.x64_context``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from .activations import Activation


def unit_inputs(correlations) -> jnp.ndarray:
    """K unit vectors (as columns of a (K, K) matrix X) with a given (K, K) correlation matrix
    (the Cholesky factor: X^T X = C)."""
    c = jnp.asarray(correlations)
    return jnp.linalg.cholesky(c).T


def _draw_layers(key, n: int, depth: int, dtype):
    kw, kb = jax.random.split(key)
    w = jax.random.normal(kw, (depth - 1, n, n), dtype)
    b = jax.random.normal(kb, (depth - 1, n), dtype)
    return w, b


def _forward(h1, w, b, sw2, sb2, act: Activation):
    """Pre-activations (depth, n, K) of every layer from h^1 (n, K) and the standard-normal layers."""
    scale = jnp.sqrt(sw2 / h1.shape[0])

    def step(h, wb):
        wl, bl = wb
        h_next = scale * (wl @ act.jax_phi(h)) + jnp.sqrt(sb2) * bl[:, None]
        return h_next, h_next

    _, hs = jax.lax.scan(step, h1, (w, b))
    return jnp.concatenate([h1[None], hs])


@partial(jax.jit, static_argnames=("act", "n", "depth"))
def propagate(key, x, q1, sw2s, sb2, act: Activation, n: int, depth: int):
    """One seed: pre-activations' statistics of a depth-``depth`` net for every sw2 of ``sw2s`` (G,).

    x (G, d, K): K unit inputs as columns (``unit_inputs``) for each sw2; q1 (G,): first-layer variance
    per sw2.
    Returns {"gram": (G, depth, K, K) h^l . h^l' / n, "grad_sq": (G, depth) ||delta^l||^2
    (delta^depth = g)}.
    """
    dtype = x.dtype
    kg, kl, kd = jax.random.split(key, 3)
    g0 = jax.random.normal(kg, (n, x.shape[1]), dtype)
    w, b = _draw_layers(kl, n, depth, dtype)
    grad_top = jax.random.normal(kd, (n,), dtype)

    def one(sw2, q, xg):
        hs = _forward(jnp.sqrt(q) * g0 @ xg, w, b, sw2, sb2, act)  # (depth, n, K)
        scale = jnp.sqrt(sw2 / n)
        gram = jnp.einsum("lik,lij->lkj", hs, hs) / n

        def back(d, wh):
            wl, h = wh  # W^(l+1), h^l: delta^l = phi'(h^l) * (scale W^(l+1)^T delta^(l+1))
            d_new = act.jax_dphi(h[:, 0]) * (scale * (wl.T @ d))
            return d_new, jnp.sum(d_new * d_new)

        _, sq = jax.lax.scan(back, grad_top, (w, hs[:-1]), reverse=True)
        grad_sq = jnp.concatenate([sq, jnp.sum(grad_top * grad_top)[None]])
        return gram, grad_sq

    gram, grad_sq = jax.vmap(one)(sw2s, q1, x)
    return {"gram": gram, "grad_sq": grad_sq}


def correlations(gram: jnp.ndarray) -> jnp.ndarray:
    """c^l of every input pair from grams (..., K, K): gram_ij / sqrt(gram_ii gram_jj)."""
    d = jnp.sqrt(jnp.diagonal(gram, axis1=-2, axis2=-1))
    return gram / (d[..., :, None] * d[..., None, :])


@partial(jax.jit, static_argnames=("act", "n", "depth", "readouts"))
def ntk_by_depth(key, x, q1, sw2s, sb2, act: Activation, n: int, depth: int, readouts: tuple[int, ...]):
    """One seed: the empirical NTK (G, R, K, K) of the read-out at every depth l of ``readouts`` (R
    depths in 1 .. depth, increasing) and the NNGP part Sigma_hat^(l+1) (G, R, K, K); x (G, d, K)."""
    dtype = x.dtype
    kg, kl, kv = jax.random.split(key, 3)
    g0 = jax.random.normal(kg, (n, x.shape[1]), dtype)
    w, b = _draw_layers(kl, n, depth, dtype)
    ro = jnp.asarray(readouts) - 1  # 0-based layer index of each read-out
    v = jax.random.normal(kv, (len(readouts), n), dtype)  # read-out weights of each depth

    def one(sw2, q, xg):
        hs = _forward(jnp.sqrt(q) * g0 @ xg, w, b, sw2, sb2, act)
        scale = jnp.sqrt(sw2 / n)
        a = act.jax_phi(hs)
        # Sigma_hat^(l+1) for l = 1..depth (the read-out's own term and the next layer's input kernel)
        sig_next = sw2 / n * jnp.einsum("lik,lij->lkj", a, a) + sb2
        sig1 = q * (xg.T @ xg)
        sig = jnp.concatenate([sig1[None], sig_next[:-1]])  # Sigma_hat^k, k = 1..depth
        dphi = act.jax_dphi(hs)  # (depth, n, K)
        # backward: state B (R, n, K), row r = read-out r: B[r] = df_r / dh^(k+1) at 0-based layer k

        def back(bstate, inp):
            k, wl, dp, s = inp  # layer index k (0-based h^(k+1)), W^(k+2) (unused at the top), phi'(h^(k+1))
            prop = jnp.where(k < depth - 1, 1.0, 0.0) * scale * jnp.einsum("ij,rik->rjk", wl, bstate)
            new = (ro[:, None, None] == k) * (scale * v[:, :, None]) + prop
            bnew = new * dp[None]
            bnew = jnp.where((ro >= k)[:, None, None], bnew, 0.0)
            contrib = jnp.einsum("rik,rij->rkj", bnew, bnew) * s[None]
            return bnew, contrib

        w_pad = jnp.concatenate([w, jnp.zeros((1, n, n), dtype)])  # W^(k+2) for k = 0..depth-1
        init = jnp.zeros((len(readouts), n, xg.shape[1]), dtype)
        _, contribs = jax.lax.scan(back, init, (jnp.arange(depth), w_pad, dphi, sig), reverse=True)
        theta = contribs.sum(0) + sig_next[ro]
        return theta, sig_next[ro]

    theta, nngp = jax.vmap(one)(sw2s, q1, x)
    return {"ntk": theta, "nngp": nngp}


@partial(jax.jit, static_argnames=("act", "n", "depth", "n_nets"))
def output_moments(key, q1, sw2, sb2, act: Activation, n: int, depth: int, n_nets: int):
    """s^2 = sw2 / n ||phi(h^l)||^2 + sb2 (the variance of f(x) = sqrt(sw2 / n) v . phi(h^l) +
    sqrt(sb2) beta given the hidden layers) for ``n_nets`` independent nets, one input of first-layer
    variance q1, at every depth l = 1 .. depth: (n_nets, depth).

    One input only, so each layer is drawn from its exact conditional law: given h^l, the units of
    h^(l+1) = sqrt(sw2 / n) W phi(h^l) + sqrt(sb2) b (W, b iid N(0, 1)) are iid N(0, s^2(h^l)), so
    h^(l+1) = s z with z ~ N(0, I_n): n normal draws per layer instead of the n^2 + n of W and b
    (the same joint law of (h^1, ..., h^depth); cost n_nets depth n)."""

    dtype = jnp.result_type(float)
    kg, kz = jax.random.split(key)
    h = jnp.sqrt(q1) * jax.random.normal(kg, (n_nets, n), dtype)
    z = jax.random.normal(kz, (depth - 1, n_nets, n), dtype)
    out = []
    for l in range(depth):
        a = act.jax_phi(h)
        s2 = sw2 / n * jnp.sum(a * a, -1) + sb2
        out.append(s2)
        if l < depth - 1:
            h = jnp.sqrt(s2)[:, None] * z[l]
    return jnp.stack(out, -1)


def _orth_basis(a):
    """An orthonormal Q (n, K) whose span contains the columns of a (n, K), and R (K, K) with a = Q R:
    Gram-Schmidt with one re-orthogonalisation (CGS2, orthogonal to rounding for any a); a column in
    the span of the previous ones (to rounding) gets R's diagonal 0 and a unit vector orthogonal to
    them (any such Q works: only span and orthonormality matter for the sampler). Vector operations
    only: batched LAPACK QR of (n, 2) blocks is several times slower under vmap on a CPU."""
    n, k = a.shape
    qs, rs = [], []
    for j in range(k):
        v = a[:, j]
        r = jnp.zeros((k,), a.dtype)
        for _ in range(2):
            for i, qi in enumerate(qs):
                c = qi @ v
                v = v - c * qi
                r = r.at[i].add(c)
        nv = jnp.sqrt(v @ v)
        scale = jnp.sqrt(a[:, j] @ a[:, j]) + jnp.finfo(a.dtype).tiny
        tiny = nv <= 1e3 * jnp.finfo(a.dtype).eps * scale
        # fallback direction: a coordinate vector made orthogonal to the previous columns
        e = jnp.zeros((n,), a.dtype).at[j].set(1.0)
        for qi in qs:
            e = e - (qi @ e) * qi
        e = e / jnp.sqrt(e @ e)
        qj = jnp.where(tiny, e, v / jnp.where(tiny, 1.0, nv))
        qs.append(qj)
        rs.append(r.at[j].set(jnp.where(tiny, 0.0, nv)))
    return jnp.stack(qs, 1), jnp.stack(rs, 1)


def _sampled_net_ntk(key, x, q1, sw2, sb2, act: Activation, n: int, depth_max: int, d):
    """The NTK (K, K) of ONE depth-d net (read-out at layer d <= depth_max, d traced) on the K unit
    inputs x (K, K), sampled exactly by Gaussian conditioning (``ntk_sampled``)."""
    k_in = x.shape[1]
    dtype = x.dtype
    kh, kf, kr, kv = jax.random.split(key, 4)
    scale = jnp.sqrt(sw2 / n)
    h1 = jnp.sqrt(q1) * (jax.random.normal(kh, (n, k_in), dtype) @ x)

    def fwd(h, k):  # layer h^l -> h^(l+1) = scale W phi(h^l) + sqrt(sb2) b; W phi(h^l) = (W Q) R, W Q iid
        ky, kb = jax.random.split(k)
        q, r = _orth_basis(act.jax_phi(h))
        y = jax.random.normal(ky, (n, k_in), dtype)
        h_next = scale * (y @ r) + jnp.sqrt(sb2) * jax.random.normal(kb, (n, 1), dtype)
        return h_next, (h, q, y)

    h_top, (hs, qs, ys) = jax.lax.scan(fwd, h1, jax.random.split(kf, depth_max - 1))
    hs = jnp.concatenate([hs, h_top[None]])  # (depth_max, n, K): h^1 .. h^depth_max
    a = act.jax_phi(hs)
    sig_next = sw2 / n * jnp.einsum("lik,lij->lkj", a, a) + sb2  # Sigma_hat^(l+1), l = 1..depth_max
    sig = jnp.concatenate([(q1 * (x.T @ x))[None], sig_next[:-1]])  # Sigma_hat^l, l = 1..depth_max
    dphi = act.jax_dphi(hs)
    v = jax.random.normal(kv, (n, 1), dtype)
    q_pad = jnp.concatenate([qs, jnp.zeros((1, n, k_in), dtype)])  # transition l -> l+1 at index l-1
    y_pad = jnp.concatenate([ys, jnp.zeros((1, n, k_in), dtype)])

    def back(g, inp):  # g = df/dh^(l+1) (zero above the read-out); returns df/dh^l at 0-based index l-1
        idx, k, q, y, dp, s = inp
        # W^T g with W | (W Q = y) = y Q^T + W' (I - Q Q^T), W' iid: W'^T g = (W'^T Q_g) R_g, W'^T Q_g iid
        qg, rg = _orth_basis(g)
        fresh = jax.random.normal(k, (n, k_in), dtype) @ rg
        wt_g = q @ (y.T @ g) + fresh - q @ (q.T @ fresh)
        below = dp * (scale * wt_g)
        top = dp * (scale * v)
        g_new = jnp.where(idx == d - 1, top, jnp.where(idx < d - 1, below, 0.0))
        return g_new, s * (g_new.T @ g_new)

    init = jnp.zeros((n, k_in), dtype)
    idx = jnp.arange(depth_max)
    # the transition used at index l-1 is l -> l+1 (W^(l+1)), stored at index l-1 of qs / ys
    _, contribs = jax.lax.scan(
        back, init, (idx, jax.random.split(kr, depth_max), q_pad, y_pad, dphi, sig), reverse=True
    )
    return contribs.sum(0) + sig_next[d - 1]


@partial(jax.jit, static_argnames=("act", "n", "depth_max"))
def ntk_sampled(keys, x, q1, sw2, sb2, act: Activation, n: int, depth_max: int, depths):
    """The empirical NTK (N, K, K) of N independent width-n nets, net i of depth ``depths[i]`` (read-out
    f = sqrt(sw2 / n) v . phi(h^d) + sqrt(sb2) beta, the conventions above), one key each (N keys),
    on the K unit inputs x (K, K) with first-layer variance q1.

    Sampled exactly in law with O(n K) work per layer instead of the n^2 of W (Gaussian conditioning,
    as in Bayati & Montanari's analysis of AMP): the forward pass needs W only on A = phi(h^l) (n, K);
    with A = Q R (reduced QR, Q orthonormal) W Q has iid N(0, 1) entries, so h^(l+1) = scale (W Q) R +
    sqrt(sb2) b draws n K normals; given that, W = (W Q) Q^T + W' (I - Q Q^T) with W' iid and
    independent of everything drawn so far, so the backward signal W^T g = Q (W Q)^T g + (I - Q Q^T)
    W'^T g, where W'^T g = (W'^T Q_g) R_g (g = Q_g R_g) draws another n K normals. The same joint law
    of (h^1 .. h^d, df/dh^1 .. df/dh^d) as ``ntk_by_depth``'s full n x n matrices (tests compare the
    two), hence of the NTK Theta = Sigma_hat^(d+1) + sum_(l <= d) Sigma_hat^l (g^l . g^l').
    Cost per net depth_max (3 n K + n) normals and O(depth_max n K^2) flops; nets of depth d <
    depth_max carry masked layers above d (one compiled program for every depth)."""
    return jax.vmap(lambda k, d: _sampled_net_ntk(k, x, q1, sw2, sb2, act, n, depth_max, d))(
        keys, jnp.asarray(depths)
    )


def _sampled_grad_sq(key, q1, sw2, sb2, act: Activation, n: int, depth: int):
    """||delta^l||^2 (depth,) of ONE net on one input (h^1 ~ N(0, q1 I_n)), sampled exactly by
    Gaussian conditioning (``grad_norms_sampled``); the key fixes every normal draw, so nets of the
    same key at different sw2 share them (common random numbers)."""
    dtype = jnp.result_type(float)
    kh, kf, kg, kz = jax.random.split(key, 4)
    scale = jnp.sqrt(sw2 / n)
    h1 = jnp.sqrt(q1) * jax.random.normal(kh, (n,), dtype)
    ys = jax.random.normal(kf, (depth - 1, 2, n), dtype)  # per transition: W u and the bias

    def fwd(h, yb):  # h^(l+1) = scale W a + sqrt(sb2) b, with W a = ||a|| (W u), W u ~ N(0, I_n)
        a = act.jax_phi(h)
        na = jnp.sqrt(a @ a)
        u = a / jnp.where(na > 0, na, 1.0)
        return scale * na * yb[0] + jnp.sqrt(sb2) * yb[1], (h, u)

    _, (hs, us) = jax.lax.scan(fwd, h1, ys)  # hs: h^1 .. h^(depth-1); us: their unit directions
    top = jax.random.normal(kg, (n,), dtype)

    def back(d, inp):  # W^T d with W | (W u = y) = y u^T + W' (I - u u^T): u (y . d) + (I - u u^T) ||d|| z
        h, u, y, z = inp
        wz = jnp.sqrt(d @ d) * z
        wt_d = u * (y @ d) + wz - u * (u @ wz)
        d_new = act.jax_dphi(h) * (scale * wt_d)
        return d_new, d_new @ d_new

    zs = jax.random.normal(kz, (depth - 1, n), dtype)
    _, sq = jax.lax.scan(back, top, (hs, us, ys[:, 0], zs), reverse=True)
    return jnp.concatenate([sq, (top @ top)[None]])


@partial(jax.jit, static_argnames=("act", "n", "depth"))
def grad_norms_sampled(keys, q1, sw2s, sb2, act: Activation, n: int, depth: int):
    """``propagate``'s "grad_sq" (S, G, depth) for S independent nets (one key each) on one input at
    first-layer variance q1[g], for every sw2 of sw2s (G,) (common random numbers across sw2), each
    sampled exactly in law by Gaussian conditioning (as ``ntk_sampled`` with K = 1): the forward
    pass needs W^(l+1) only on a = phi(h^l), so W a = ||a|| y with y ~ N(0, I_n); the backward
    W^T delta then has the conditional law of the module docstring's ``ntk_sampled``. Cost per net
    and sw2 ~4 depth n normal draws and O(depth n) flops: widths of 10^4 to 10^5 on a CPU."""
    dtype = jnp.result_type(float)
    one = lambda k, q, s: _sampled_grad_sq(k, q, s, sb2, act, n, depth)  # noqa: E731
    per_sw2 = jax.vmap(one, in_axes=(None, 0, 0))
    return jax.vmap(per_sw2, in_axes=(0, None, None))(keys, jnp.asarray(q1, dtype), jnp.asarray(sw2s, dtype))


def _sampled_grams(key, x, q1, sw2, sb2, act: Activation, n: int, depth: int):
    """Grams (depth, K, K) h^l . h^l' / n of ONE net on the K unit inputs x (d, K), forward pass
    sampled exactly by Gaussian conditioning (``grams_sampled``); layers drawn one at a time (memory
    O(n K), not O(depth n K))."""
    k_in = x.shape[1]
    dtype = x.dtype
    kh, kf = jax.random.split(key)
    scale = jnp.sqrt(sw2 / n)
    h1 = jnp.sqrt(q1) * (jax.random.normal(kh, (n, x.shape[0]), dtype) @ x)

    def fwd(h, k):  # rows of W A are iid N(0, A^T A): W A = Y C with C^T C = A^T A (C symmetric)
        a = act.jax_phi(h)
        lam, v = jnp.linalg.eigh(a.T @ a)
        c = (v * jnp.sqrt(jnp.maximum(lam, 0.0))) @ v.T
        yb = jax.random.normal(k, (n, k_in + 1), dtype)
        h_next = scale * (yb[:, :k_in] @ c) + jnp.sqrt(sb2) * yb[:, k_in:]
        return h_next, h_next.T @ h_next / n

    _, grams = jax.lax.scan(fwd, h1, jax.random.split(kf, depth - 1))
    return jnp.concatenate([(h1.T @ h1 / n)[None], grams])


@partial(jax.jit, static_argnames=("act", "n", "depth"))
def grams_sampled(keys, x, q1, sw2s, sb2, act: Activation, n: int, depth: int):
    """``propagate``'s "gram" (S, G, depth, K, K) for S independent nets (one key each) and every sw2 of
    sw2s (G,) (inputs x (G, K, K), first-layer variance q1 (G,); common random numbers across sw2),
    the forward pass sampled exactly in law: given A = phi(h^l) (n, K), the rows of W^(l+1) A are
    iid N(0, A^T A), drawn as Y C with Y iid N(0, 1) (n, K) and C = (A^T A)^(1/2) (eigh; exact for the
    rank-deficient Grams of the ordered phase too). Cost per net, sw2 and layer 2 n K^2 + O(K^3)
    flops and n (K + 1) normal draws, against n^2 K for ``propagate``: wide nets for the xi_c check."""
    one = lambda k, xg, q, s: _sampled_grams(k, xg, q, s, sb2, act, n, depth)  # noqa: E731
    per_sw2 = jax.vmap(one, in_axes=(None, 0, 0, 0))
    return jax.vmap(per_sw2, in_axes=(0, None, None, None))(
        keys, x, jnp.asarray(q1, x.dtype), jnp.asarray(sw2s, x.dtype)
    )
