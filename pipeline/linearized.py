"""The linearised network and its gradient-descent dynamics, three equivalent ways.

f_lin(w, x) = f(w0, x) + J(w0, x) (w - w0)   (first-order Taylor expansion at the init w0).

GD on L = 1/2 sum_i (f_lin(w, x_i) - y_i)^2 with step eta changes the outputs on any input x by
f_lin(w_{t+1}, x) - f_lin(w_t, x) = J(x) (w_{t+1} - w_t) = -eta K0(x, X) (f_lin(w_t, X) - y), with
K0 = J J^T the empirical NTK at init. So, exactly (up to rounding):

1. weight space (``linearize`` + ``train_linearized_weights``): our own JVP form of f_lin, trained
   like the real network (cost ~ the real network's; used in tests);
2. function space (``kernel_gd_step`` / ``kernel_gd``): u_{t+1} = (I - eta K0) u_t on the train set
   and f_test_{t+1} = f_test_t - eta K0(test, train) u_t (N^2 + M N per step; used by the stage);
3. closed form (``nt_gradient_descent_mse``): neural-tangents' ``predict.gradient_descent_mse``,
   which solves the continuous-time flow with time unit learning_rate / N (it assumes the 1/(2N)
   loss), so we pass learning_rate = eta * N. Its flow exp(-eta t K) equals discrete GD
   (I - eta K)^t when given the kernel K' = -log(I - eta K) / eta (``discrete_time_kernels``,
   needs eta * lambda_max < 1; with the raw K it matches only as eta -> 0). neural-tangents is
   reached only through ``nt_compat`` (tests and analysis; training code runs on any jax).

Shapes: single seed unless stated; K (N, N), K_test (M, N), y (N,), f (N,), f_test (M,).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def linearize(f, params0):
    """Our JVP form of the linearisation: returns f_lin(params, x) = f(params0, x) + J (params - params0)."""

    def f_lin(params, x):
        dp = jax.tree.map(lambda a, b: a - b, params, params0)
        f0, df = jax.jvp(lambda p: f(p, x), (params0,), (dp,))
        return f0 + df

    return f_lin


def train_linearized_weights(f, params0, x, y, x_test, eta: float, n_steps: int):
    """Weight-space GD on the linearised model (``linearize``). Returns the outputs at every step:
    (f_lin_train (n_steps + 1, N), f_lin_test (n_steps + 1, M))."""
    f_lin = linearize(f, params0)

    def loss(p):
        return 0.5 * jnp.sum((f_lin(p, x) - y) ** 2)

    def step(p, _):
        g = jax.grad(loss)(p)
        p_new = jax.tree.map(lambda a, b: a - eta * b, p, g)
        return p_new, (f_lin(p, x), f_lin(p, x_test))

    p_t, (tr, te) = jax.lax.scan(step, params0, None, length=n_steps)
    return (jnp.concatenate([tr, f_lin(p_t, x)[None]]), jnp.concatenate([te, f_lin(p_t, x_test)[None]]))


def kernel_gd_step(f_train, f_test, y, K, K_test, eta):
    """One GD step of the linearised model in function space, batched over seeds.

    f_train (S, N), f_test (S, M), y (N,) or per seed (S, N), K (S, N, N), K_test (S, M, N), eta (S,).
    """
    r = f_train - (y if y.ndim == 2 else y[None])
    e = eta[:, None].astype(f_train.dtype)
    return (f_train - e * jnp.einsum("snk,sk->sn", K, r), f_test - e * jnp.einsum("smk,sk->sm", K_test, r))


def kernel_gd(K, K_test, y, f0, f0_test, eta: float, n_steps: int):
    """Function-space GD of the linearised model for one seed: outputs at every step,
    (f_train (n_steps + 1, N), f_test (n_steps + 1, M))."""

    def step(c, _):
        tr, te = kernel_gd_step(c[0][None], c[1][None], y, K[None], K_test[None], jnp.asarray([eta]))
        return (tr[0], te[0]), c

    (tr, te), (trs, tes) = jax.lax.scan(step, (f0, f0_test), None, length=n_steps)
    return jnp.concatenate([trs, tr[None]]), jnp.concatenate([tes, te[None]])


def discrete_time_kernels(K, K_test, eta: float):
    """Kernels (K', K'_test) whose continuous-time flow at time eta * t equals t steps of discrete GD
    with step eta on K: K' = V g(L) V^T, K'_test = K_test V (g(L) / L) V^T, g(l) = -log(1 - eta l) / eta
    (g(l) / l -> 1 at l = 0). float64 numpy; needs 0 <= eta * lambda < 1."""
    K = np.asarray(K, np.float64)
    lam, V = np.linalg.eigh((K + K.T) / 2)
    lam = np.clip(lam, 0.0, None)
    if np.any(eta * lam >= 1):
        raise ValueError(f"eta * lambda_max = {eta * lam.max():.3g} >= 1: discrete GD has no flow equivalent")
    g = -np.log1p(-eta * lam) / eta
    ratio = np.where(lam > 0, g / np.where(lam > 0, lam, 1.0), 1.0)
    return (V * g) @ V.T, np.asarray(K_test, np.float64) @ (V * ratio) @ V.T


def nt_gradient_descent_mse(K, K_test, y, f0, f0_test, eta: float, t, discrete: bool = True):
    """neural-tangents' closed-form prediction at steps ``t`` (array), on our 1/2-sum loss with step eta.

    Passes learning_rate = eta * N (neural-tangents' time unit divides by N). ``discrete``: use
    ``discrete_time_kernels`` so that the result equals discrete GD step for step. Returns
    (f_train (len(t), N), f_test (len(t), M)) as float64 numpy.
    """
    from . import nt_compat

    nt = nt_compat.load()
    K, K_test = np.asarray(K, np.float64), np.asarray(K_test, np.float64)
    if discrete:
        K, K_test = discrete_time_kernels(K, K_test, eta)
    y = np.asarray(y, np.float64)[:, None]
    predict = nt.predict.gradient_descent_mse(K, y, learning_rate=eta * y.size)
    tr, te = predict(
        np.asarray(t, np.float64),
        np.asarray(f0, np.float64)[:, None],
        np.asarray(f0_test, np.float64)[:, None],
        K_test,
    )
    return np.asarray(tr)[..., 0], np.asarray(te)[..., 0]
