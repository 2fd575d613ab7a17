"""The convergence stage on real (small) gradient-descent runs of the two-layer ReLU net.

``simulate_train_file`` trains the net with our own models / ntk_empirical (float64, GD on
L = 1/2 sum (f - y)^2, all seeds vmapped) and writes a file in the train stage's format
(docs: train_format), so the stage's three jobs run here exactly as in the workflow.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline import io
from pipeline.stages import convergence as conv

SECTION = {
    "archs": None,
    "group_rtol": 0.05,
    "null_rtol": 1e-4,
    "window_floor": 1e-5,
    "window_decay": 0.1,
    "min_points": 3,
    "agreement_ratio": 5.0,
    "agreement_rtol": 0.05,
    "odd_zero_rtol": 1e-6,
    "odd_max_decay": 0.01,
    "harmonic_present": 0.01,
    "loss_rtol": 0.05,
}


def circle_data(n: int, harmonics=(1, 2, 4, 3)):
    g = 2 * np.pi * np.arange(n) / n
    x = np.stack([np.cos(g), np.sin(g)], axis=1)
    return x, sum(np.cos(k * g) for k in harmonics)


def simulate_train_file(
    path,
    width: int,
    seeds=(0, 1),
    n: int = 16,
    steps: int = 300,
    c: float = 0.5,
    b_std: float | None = None,
    harmonics=(1, 2, 4, 3),
):
    """GD of the two-layer ReLU net (optionally with a bias) in float64; writes ``path`` in train format."""
    import jax
    import jax.numpy as jnp

    from pipeline.models import MLPSpec, apply, init_params
    from pipeline.ntk_empirical import ntk
    from pipeline.precision import x64_context

    spec = MLPSpec(depth=1, width=width, d_in=2, w_std=1.0, w_std_first=math.sqrt(2), b_std=b_std)
    x, y = circle_data(n, harmonics)
    with x64_context():
        xx, yy = jnp.asarray(x), jnp.asarray(y)
        params = jax.vmap(lambda k: init_params(k, spec, jnp.float64))(
            jnp.stack([jax.random.PRNGKey(s) for s in seeds])
        )
        K0 = jax.vmap(lambda p: ntk(p, xx, spec))(params)
        lam_max = jnp.linalg.eigvalsh(K0)[:, -1]
        eta = c / lam_max

        def loss(p):
            return 0.5 * jnp.sum((apply(p, xx, spec)[:, 0] - yy) ** 2)

        def run(p, e):
            def step(p, _):
                f = apply(p, xx, spec)[:, 0]
                return jax.tree.map(lambda a, g: a - e * g, p, jax.grad(loss)(p)), f

            pT, fs = jax.lax.scan(step, p, None, length=steps)
            return pT, jnp.concatenate([fs, apply(pT, xx, spec)[:, 0][None]])

        pT, f = jax.jit(jax.vmap(run))(params, eta)
        KT = jax.vmap(lambda p: ntk(p, xx, spec))(pT)
    rec = np.unique(
        np.concatenate([np.arange(min(40, steps)), np.geomspace(40, max(steps, 40), 40).round(), [steps]])
    )
    rec = rec[rec <= steps].astype(int)
    f = np.asarray(f)[:, rec]
    S, T = len(seeds), rec.size
    loss_t = 0.5 * ((f - y[None, None]) ** 2).sum(-1)
    arrays = {
        "seeds": np.asarray(seeds),
        "width": np.asarray(width),
        "steps": rec,
        "x_train": x,
        "y_train": y,
        "x_test": x,
        "y_test": y,
        "eta": np.asarray(eta),
        "lambda_max": np.asarray(lam_max),
        "loss": loss_t,
        "f_train": f,
        "f_test": f,
        "f_lin_train": f,
        "f_lin_test": f,
        "w_rel": np.zeros((S, T)),
        "w_rel_layers": np.zeros((S, T, 2)),
        "K0": np.asarray(K0, np.float32),
        "KT": np.asarray(KT, np.float32),
        "k_drift_fro": np.zeros((S, T)),
        "k_drift_op": np.zeros((S, T)),
        "diverged": np.zeros(S, bool),
    }
    meta = {
        "arch": {"depth": 1, "activation": "relu", "w_std": 1.0, "b_std": b_std, "w_std_first": math.sqrt(2)},
        "dataset": "circle",
    }
    io.save_npz(path, arrays, meta=meta)
    return arrays


@pytest.fixture(scope="module")
def stage_run(tmp_path_factory):
    """Two archs (no bias, bias) x two widths, through the stage's three jobs."""
    tmp = tmp_path_factory.mktemp("conv")
    archs = {"two_layer_relu": None, "two_layer_relu_bias": 0.5}
    widths = [256, 8192]
    runs, csvs, npzs, kinfs = [], [], [], []
    for a, b in archs.items():
        for w in widths:
            simulate_train_file(tmp / "train" / a / f"w{w}.npz", w, b_std=b)
        kinfs.append(str(tmp / "conv" / a / "kinf.npz"))
        conv.analytic_kernel(str(tmp / "train" / a / f"w{widths[0]}.npz"), kinfs[-1], arch=a, section=SECTION)
        for w in widths:
            runs.append((a, w))
            csvs.append(str(tmp / "conv" / a / f"w{w}_rates.csv"))
            npzs.append(str(tmp / "conv" / a / f"w{w}.npz"))
            conv.fit_width(str(tmp / "train" / a / f"w{w}.npz"), kinfs[-1], npzs[-1], csvs[-1], SECTION, a)
    figs = {
        k: str(tmp / "figures" / "convergence" / f"{k}.png")
        for k in ("rate_error", "spectral_bias", "spectrum", "loss_curves")
    }
    table, checks = tmp / "tables" / "convergence_rates.csv", tmp / "checks" / "convergence.csv"
    df = conv.summarize(csvs, npzs, kinfs, runs, list(archs), str(table), str(checks), figs, SECTION)
    return {"df": df, "table": table, "checks": checks, "figs": figs, "tmp": tmp}


def test_rate_table_is_tidy_and_complete(stage_run):
    df = io.load_table(stage_run["table"], required=conv.RATE_COLUMNS)
    assert (stage_run["table"].with_suffix(".md")).exists()
    assert set(df.kernel) == {"K0", "Kinf"} and set(df.arch) == {"two_layer_relu", "two_layer_relu_bias"}
    assert not df.duplicated(["arch", "width", "seed", "kernel", "space"]).any()
    # each (run, kernel) partitions all N = 16 eigenvectors into eigenspaces
    assert (df.groupby(["arch", "width", "seed", "kernel"]).multiplicity.sum() == 16).all()
    ok = df[df.status == "ok"]
    assert np.isfinite(ok[["rate_fit", "rate_pred", "rel_error", "r2"]].to_numpy()).all()


def test_wide_net_follows_linear_theory(stage_run):
    df = stage_run["df"]
    top = df[(df.arch == "two_layer_relu") & (df.width == 8192) & (df.kernel == "K0") & (df.space < 3)]
    assert len(top) == 6  # 3 spaces x 2 seeds
    assert (top.status == "ok").all()
    assert top.rel_error.max() < 0.05, top[["space", "lambda", "rate_pred", "rate_fit", "rel_error"]]
    # harmonic labels of the top spaces: k = 0 (single), 1 and 2 (pairs)
    assert top.sort_values(["seed", "space"]).harmonic.tolist() == [0, 1, 2, 0, 1, 2]
    assert top.sort_values(["seed", "space"]).multiplicity.tolist() == [1, 2, 2, 1, 2, 2]
    # the narrow net's kernel moves more
    drift = df[(df.arch == "two_layer_relu")].groupby("width").dK_op.mean()
    assert drift[256] > 3 * drift[8192]


def test_checks_recorded(stage_run):
    checks = io.load_table(stage_run["checks"], required=("check", "measured", "passed"))
    by = checks.set_index("check")
    assert ["rate_agreement", "odd_harmonics_zero", "loss_curve_agreement"] == checks.check.tolist()
    assert by.loc["rate_agreement", "detail"].startswith("arch two_layer_relu, width 8192")
    assert by.loc["odd_harmonics_zero", "passed"]
    assert 0 <= by.loc["odd_harmonics_zero", "measured"] < 1e-6  # the k = 3 residual does not move at all
    assert by.loc["rate_agreement", "measured"] < 0.05
    assert (checks.stage == "convergence").all()


def test_bias_lifts_odd_harmonics(stage_run):
    kb = io.load_npz(stage_run["tmp"] / "conv" / "two_layer_relu_bias" / "kinf.npz")
    k0 = io.load_npz(stage_run["tmp"] / "conv" / "two_layer_relu" / "kinf.npz")
    assert k0["spectrum"][3] < 1e-9 * k0["spectrum"].max()
    assert kb["spectrum"][3] > 1e-3 * kb["spectrum"].max()
    curves = io.load_npz(stage_run["tmp"] / "conv" / "two_layer_relu_bias" / "w8192.npz")
    r3 = curves["harm_r"][:, :, 3]
    assert np.all(r3[:, -1] < 0.9 * r3[:, 0])  # with a bias the k = 3 harmonic is learned


def test_figures_written(stage_run):
    for path in stage_run["figs"].values():
        data = open(path, "rb").read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_linear_dynamics_give_exact_rates(tmp_path):
    """Replace the net's outputs by the exact linear dynamics u_t = (I - eta K0)^t u_0: every fitted
    rate then equals -ln(1 - eta lambda) to round-off (float64 pipeline, no floor hit)."""
    arr = simulate_train_file(tmp_path / "w.npz", 1024, seeds=(3,), steps=200)
    K0 = arr["K0"][0].astype(np.float64)
    eta = float(arr["eta"][0])
    u = arr["f_train"][0, 0] - arr["y_train"]
    A = np.eye(K0.shape[0]) - eta * K0
    us = [np.linalg.matrix_power(A, int(t)) @ u for t in arr["steps"]]
    arr["f_train"] = (np.stack(us) + arr["y_train"])[None]
    arr["K0"] = K0[None]
    io.save_npz(tmp_path / "lin.npz", arr, meta=io.load_json(tmp_path / "w.npz.json"))
    conv.analytic_kernel(str(tmp_path / "lin.npz"), str(tmp_path / "kinf.npz"), section=SECTION)
    df = conv.fit_width(
        str(tmp_path / "lin.npz"),
        str(tmp_path / "kinf.npz"),
        str(tmp_path / "o.npz"),
        str(tmp_path / "o.csv"),
        SECTION,
        "two_layer_relu",
    )
    ok = df[(df.kernel == "K0") & (df.status == "ok")]
    assert len(ok) >= 5
    np.testing.assert_allclose(ok.rate_fit, ok.rate_pred, rtol=2e-3)
    curves = io.load_npz(tmp_path / "o.npz")
    np.testing.assert_allclose(curves["loss_pred_K0"][0], 0.5 * (np.stack(us) ** 2).sum(1), rtol=1e-9)


def test_missing_arch_fields_named(tmp_path):
    simulate_train_file(tmp_path / "w.npz", 64, seeds=(0,), steps=5)
    io.save_json(tmp_path / "w.npz.json", {"dataset": "circle"})
    with pytest.raises(io.CorruptFileError, match="w.npz.json: no arch fields"):
        conv.analytic_kernel(str(tmp_path / "w.npz"), str(tmp_path / "k.npz"))


def test_bad_shapes_named(tmp_path):
    arr = simulate_train_file(tmp_path / "w.npz", 64, seeds=(0,), steps=5)
    arr["f_train"] = arr["f_train"][:, :-1]
    io.save_npz(tmp_path / "w.npz", arr, meta=io.load_json(tmp_path / "w.npz.json"))
    with pytest.raises(io.CorruptFileError, match="array f_train has shape"):
        conv.load_train(tmp_path / "w.npz")


def _curves(rates_meas, rates_pred, S=4, noise=0.0):
    """A widest-width curves dict: harmonics 0..8 of which k = 1, 2, 4, 8 carry the target, measured
    residuals decaying at ``rates_meas`` and the K0 prediction at ``rates_pred`` (per-step rates)."""
    rng = np.random.default_rng(0)
    steps = np.arange(0, 3001, 50)
    ks = [1, 2, 4, 8]
    hr = np.zeros((S, steps.size, 9))
    hp = np.zeros_like(hr)
    for k, rm, rp in zip(ks, rates_meas, rates_pred):
        hr[:, :, k] = np.exp(-np.outer(rm * (1 + noise * rng.standard_normal(S)), steps))
        hp[:, :, k] = np.exp(-np.outer(np.full(S, rp), steps))
    spec = np.array([19.0, 16.0, 5.0, 0.0, 0.55, 0.0, 0.21, 0.0, 0.11])
    return {
        "harm_r": hr,
        "harm_pred_K0": hp,
        "spectrum_inf": spec,
        "width": np.asarray(32768),
        "steps": steps,
    }


def test_loss_curve_agreement_must_fail_on_a_2x_rate_error():
    """What decays, per target harmonic: the linear theory passes, a 2x error in k = 8 alone fails."""
    pred = [0.4, 0.13, 0.014, 0.003]
    ok = conv.loss_curve_agreement(_curves(pred, pred, noise=1e-3), "a", SECTION, "loss_curve_agreement", "f")
    assert ok.verdict == "pass" and ok.ci_high < 0.05
    bad = conv.loss_curve_agreement(
        _curves([0.4, 0.13, 0.014, 0.006], pred, noise=1e-3), "a", SECTION, "loss_curve_agreement", "f"
    )
    assert bad.verdict == "fail" and abs(bad.measured - 0.25) < 0.01 and "k=8" in bad.interval


def test_rate_agreement_per_target_harmonic_must_fail():
    """Every target harmonic counts: a 10% error in the slowest (k = 8) fails the check, a harmonic
    that is not lazy enough (lambda < ratio ||dK||) cannot pass it."""
    import pandas as pd

    def table(err8, ratio8=10.0):
        rows = []
        for seed in range(4):
            for k, lam in ((1, 16.0), (2, 5.0), (4, 0.55), (8, 0.11)):
                e = (err8 if k == 8 else 0.001) + 0.002 * (seed - 1.5) / 1.5
                rows.append(
                    {
                        "arch": "a",
                        "kernel": "K0",
                        "width": 32768,
                        "seed": seed,
                        "harmonic": k,
                        "lambda": lam,
                        "rate_pred": lam * 0.025,
                        "rate_fit": lam * 0.025 * (1 + e),
                        "r0": 1.0,
                        "status": "ok",
                        "lambda_over_dK": ratio8 if k == 8 else 100.0,
                    }
                )
        return pd.DataFrame(rows)

    curves = _curves([0.4, 0.13, 0.014, 0.003], [0.4, 0.13, 0.014, 0.003])
    check = lambda df: conv.rate_agreement(df, curves, "a", SECTION, "rate_agreement", "f")  # noqa: E731
    assert check(table(0.01)).verdict == "pass"
    bad = check(table(0.10))
    assert bad.verdict == "fail" and "k=8" in bad.interval and abs(bad.measured - 0.10) < 0.01
    assert check(table(0.01, ratio8=2.0)).verdict == "inconclusive"  # k = 8 not lazy enough to tell
