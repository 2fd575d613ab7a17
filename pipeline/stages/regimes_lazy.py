"""Stage regimes, lazy vs rich experiments: the output-scale (alpha) sweep on the circle task and
Chizat, Oyallon & Bach's teacher-student experiment vs initialisation scale tau.

``alpha_sweep``: the centred two-layer ReLU net f_alpha = alpha (f(w) - f(w0)) (``models.two_layer_relu``,
NTK parameterisation) trained by full-batch GD on L(f_alpha) / alpha^2, L = 1/2 sum_i (f_alpha(x_i) -
y_i)^2; step eta = lr / lambda_max(K0) per seed (times alpha / rich_alpha below rich_alpha). The
state is the displacement w - w0. Returns arrays (A, S): w_rel = ||w_T - w0|| / ||w0||, w_rel_first
(first layer), k_rel = ||K_T - K0||_F / ||K0||_F (empirical NTK on x_train), lin_gap = ||f_T -
f_T^lin|| / ||f_T|| on x_test (f^lin: kernel GD with K0), pattern_frac (hidden units whose ReLU
pattern on x_train changed), train_loss, test_loss (1/(2N) sum of squares), converged (train_loss <=
converge_fraction x the initial loss 1/2 mean y^2 at the step cap), first_converged_step; lin_test_loss
(S,). Runs that have not converged are kept out of the fits and drawn hollow.
Cost: A S T (6 N P) flops (P = 3 m parameters) plus the kernels, all (alpha, seed) in one program.

``teacher_student`` (shallow-nn/test_vs_scale.jl): teacher sum_j s_j relu(theta_j . x) (unit-norm
theta_j, s_j = +-1), x uniform on S^(d-1); student sum_i b_i relu(a_i . x) with a symmetrised init
(units m/2+1..m copy a of 1..m/2 with b of opposite sign: f(w0) = 0), both layers N(0, 1) times tau
(alpha ~ tau^2); loss 1/2 mean; GD step min(max_step, step_coef / tau^2). Returns (T, R) arrays per
(tau, trial): test_loss_final, test_loss_best (min over evaluations every eval_every steps),
train_loss_final. Cost: T R steps (6 N P) flops, vmapped over taus and trials.
"""

from __future__ import annotations

import math

import numpy as np

from .regimes_common import LIGHT_WIDTH, call, experiment_rng, init_stacked

# ---------------------------------------------------------------------------------------------
# alpha sweep (lazy vs rich on the circle)


def alpha_sweep(
    data: dict,
    width: int,
    alphas,
    n_seeds: int,
    steps: int,
    lr: float,
    seed: int,
    rich_alpha: float = 0.3,
    converge_fraction: float = 0.3,
) -> dict:
    """Train the alpha-centred two-layer ReLU net for every (alpha, seed); returns arrays (A, S).

    Step eta = lr / lambda_max(K0) * min(1, alpha / rich_alpha): below ``rich_alpha`` the weights
    must grow until alpha (f(w) - f(w0)) ~ y, the kernel of the 2-homogeneous net grows like 1 / alpha
    and everything happens 1 / alpha times faster, so the step shrinks like alpha (as Chizat et al.'s
    step min(10, 0.1 / tau^2) in the shallow experiment).

    Convergence: a run has converged when its final train loss is at most ``converge_fraction`` times
    the initial loss 1/2 mean y^2 (``converged`` (A, S)); ``first_converged_step`` (A, S) is the
    first step whose (pre-update) loss met it (-1: never), ``loss0`` the initial loss."""
    import jax
    import jax.numpy as jnp

    from .. import linearized, parameterisations, training
    from ..models import two_layer_relu

    x, y = jnp.asarray(data["x_train"]), jnp.asarray(data["y_train"])
    xt, yt = jnp.asarray(data["x_test"]), jnp.asarray(data["y_test"])
    spec = two_layer_relu(int(width), x.shape[1])
    fns = training.fast_one_hidden_relu(spec)
    params0 = init_stacked(spec, experiment_rng(seed, "alpha"), n_seeds)
    kern = jax.vmap(lambda p, a, b: fns.kernel_parts(p, a, b).sum(0), in_axes=(0, None, None))
    K0, K0_test = kern(params0, x, x), kern(params0, xt, x)
    eta = (lr / jnp.linalg.eigvalsh(K0)[:, -1]).astype(x.dtype)
    out = jax.vmap(fns.output, in_axes=(0, None))
    f0, f0_test = out(params0, x), out(params0, xt)
    alphas = jnp.asarray(alphas, x.dtype)
    c1 = spec.w_stds[0] / math.sqrt(spec.d_in)
    loss0 = 0.5 * jnp.mean(y**2)  # the centred net's loss at w0 (f_alpha(w0) = 0), every alpha

    def lin_model():
        def step(c, _):
            return linearized.kernel_gd_step(c[0], c[1], y, K0, K0_test, eta), None

        zeros = (jnp.zeros_like(f0), jnp.zeros_like(f0_test))
        return jax.lax.scan(step, zeros, None, length=steps)[0]

    def one(p0, f0_s, f0t_s, k0, eta_s, alpha):
        eta_s = eta_s * jnp.minimum(1.0, alpha / rich_alpha)
        target = parameterisations.centred_target(f0_s, y, alpha)

        def step(delta, _):
            p = jax.tree.map(jnp.add, p0, delta)
            half_sq, _, g = fns.loss_grad(p, x, target)  # 1/2 ||f - target||^2 before the update
            return jax.tree.map(lambda d, gg: d - eta_s * gg, delta, g), alpha**2 * half_sq / x.shape[0]

        delta0 = jax.tree.map(jnp.zeros_like, p0)
        delta, losses = jax.lax.scan(step, delta0, None, length=steps)
        reached = losses <= converge_fraction * loss0
        first = jnp.where(jnp.any(reached), jnp.argmax(reached), -1)
        pT = jax.tree.map(jnp.add, p0, delta)
        f_tr = alpha * (fns.output(pT, x) - f0_s)
        f_te = alpha * (fns.output(pT, xt) - f0t_s)
        num = sum(jnp.sum(d**2) for d in jax.tree.leaves(delta))
        den = sum(jnp.sum(a**2) for a in jax.tree.leaves(p0))
        kT = fns.kernel_parts(pT, x).sum(0)
        k_rel = jnp.sqrt(jnp.sum((kT - k0) ** 2) / jnp.sum(k0**2))
        z0, zT = c1 * (x @ p0[0]["W"]), c1 * (x @ pT[0]["W"])
        flipped = jnp.any((z0 > 0) != (zT > 0), axis=0)
        return {
            "w_rel": jnp.sqrt(num / den),
            "w_rel_first": jnp.sqrt(jnp.sum(delta[0]["W"] ** 2) / jnp.sum(p0[0]["W"] ** 2)),
            "k_rel": k_rel,
            "pattern_frac": jnp.mean(flipped.astype(x.dtype)),
            "train_loss": 0.5 * jnp.mean((f_tr - y) ** 2),
            "test_loss": 0.5 * jnp.mean((f_te - yt) ** 2),
            "f_test": f_te,
            "first_converged_step": first,
        }

    per_seed = jax.vmap(one, in_axes=(0, 0, 0, 0, 0, None))
    over_alphas = jax.vmap(per_seed, in_axes=(None, None, None, None, None, 0))
    run = jax.jit(lambda: (over_alphas(params0, f0, f0_test, K0, eta, alphas), lin_model()))
    res, (lin_tr, lin_te) = call(run, light=width <= LIGHT_WIDTH // 4)
    res = {k: np.asarray(v) for k, v in res.items()}
    f_te = res.pop("f_test")  # (A, S, M)
    lin_te = np.asarray(lin_te)[None]
    res["lin_gap"] = np.linalg.norm(f_te - lin_te, axis=-1) / np.linalg.norm(f_te, axis=-1)
    res["lin_test_loss"] = 0.5 * np.mean((np.asarray(lin_te[0]) - np.asarray(yt)[None]) ** 2, -1)  # (S,)
    loss0 = float(0.5 * np.mean(np.asarray(y) ** 2))
    res["converged"] = res["train_loss"] <= converge_fraction * loss0
    res.update(
        alphas=np.asarray(alphas, np.float64),
        eta=np.asarray(eta),
        width=np.int64(width),
        loss0=np.float64(loss0),
        converge_fraction=np.float64(converge_fraction),
        steps=np.int64(steps),
    )
    return res


# ---------------------------------------------------------------------------------------------
# teacher-student (Chizat et al.'s shallow experiment)


def teacher_student(
    dim: int,
    n_train: int,
    n_test: int,
    teacher_units: int,
    student_units: int,
    log10_taus,
    trials: int,
    steps: int,
    eval_every: int,
    max_step: float,
    step_coef: float,
    seed: int,
) -> dict:
    """Test loss (final, best) and final train loss per (tau, trial): arrays (T, R)."""
    import jax
    import jax.numpy as jnp

    taus = 10.0 ** np.asarray(log10_taus, float)
    half = student_units // 2

    def sphere(rng, n):
        z = rng.standard_normal((n, dim))
        return (z / np.linalg.norm(z, axis=1, keepdims=True)).astype(np.float32)

    data = {k: [] for k in ("xtr", "ytr", "xte", "yte", "a", "b")}
    for r in range(trials):  # as test_vs_scale.jl: new teacher, data and init direction per trial
        rng = experiment_rng(seed, "teacher", r)
        th = sphere(rng, teacher_units)
        s = np.sign(rng.standard_normal(teacher_units)).astype(np.float32)
        xtr, xte = sphere(rng, n_train), sphere(rng, n_test)
        a = rng.standard_normal((half, dim)).astype(np.float32)
        b = np.abs(rng.standard_normal(half)).astype(np.float32)
        for k, v in (
            ("xtr", xtr),
            ("ytr", np.maximum(xtr @ th.T, 0) @ s),
            ("xte", xte),
            ("yte", np.maximum(xte @ th.T, 0) @ s),
            ("a", np.concatenate([a, a])),
            ("b", np.concatenate([b, -b])),
        ):  # symmetrised: f(w0) = 0
            data[k].append(v)
    data = {k: jnp.asarray(np.stack(v)) for k, v in data.items()}

    def f(w, xx):
        return jax.nn.relu(xx @ w[0].T) @ w[1]

    def loss(w, xx, yy):
        return 0.5 * jnp.mean((f(w, xx) - yy) ** 2)

    n_eval = steps // eval_every

    def run(d, tau):
        xtr, ytr, xte, yte = d["xtr"], d["ytr"], d["xte"], d["yte"]
        w = (tau * d["a"], tau * d["b"])
        step_size = jnp.minimum(max_step, step_coef / tau**2)

        def block(w, _):
            def step(w, _):
                return jax.tree.map(lambda a, g: a - step_size * g, w, jax.grad(loss)(w, xtr, ytr)), None

            w = jax.lax.scan(step, w, None, length=eval_every)[0]
            return w, loss(w, xte, yte)

        test0 = loss(w, xte, yte)
        w, tests = jax.lax.scan(block, w, None, length=n_eval)
        tests = jnp.concatenate([test0[None], tests])
        return tests[-1], jnp.nanmin(tests), loss(w, xtr, ytr)

    per_trial = jax.vmap(run, in_axes=(0, None))
    final, best, train = jax.jit(jax.vmap(lambda t: per_trial(data, t)))(jnp.asarray(taus, jnp.float32))
    return {
        "taus": taus,
        "test_loss_final": np.asarray(final),
        "test_loss_best": np.asarray(best),
        "train_loss_final": np.asarray(train),
        "steps": np.int64(n_eval * eval_every),
    }
