"""Stage realdata: loaders and splits, kernel PCA, the g/h decomposition, kernel regression, the
multi-output GD, each check (pass and must-fail), and the outputs of the shared tiny run."""

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import kernel_pca as kp
from pipeline import kernel_regression as kr
from pipeline import real_datasets as rd
from pipeline.stages import realdata_common as common
from pipeline.stages import realdata_fig3 as fig3_mod
from pipeline.stages import realdata_regression as reg_mod

# ------------------------------------------------------------------------------------------------
# data: loaders, split, normalisation, subsamples and CV folds


@pytest.mark.parametrize(
    "name, n, d, classes",
    [
        ("iris", 150, 4, 3),
        ("wine", 178, 13, 3),
        ("breast_cancer", 569, 30, 2),
        ("diabetes", 442, 10, 0),
        ("digits", 1797, 64, 10),
    ],
)
def test_loaders_shapes_split_and_normalisation(name, n, d, classes):
    a = rd.make_dataset(name, 0.25, seed=0)
    n_tr, n_te = len(a["x_train"]), len(a["x_test"])
    assert n_tr + n_te == n and abs(n_te - 0.25 * n) <= 1
    assert a["x_train"].shape == (n_tr, d) and a["x_test"].shape == (n_te, d)
    assert int(a["n_classes"]) == classes and str(a["task"]) == rd.task(name)
    assert a["t_train"].shape == (n_tr, max(classes, 1))
    # disjoint, covering split of the raw rows
    assert not set(a["idx_train"]) & set(a["idx_test"])
    assert sorted(np.concatenate([a["idx_train"], a["idx_test"]])) == list(range(n))
    # standardised with the TRAINING statistics only: mean 0, std 1 (or 0 for a constant feature)
    x_raw, y_raw = rd.load_raw(name)
    np.testing.assert_allclose(a["feature_mean"], x_raw[a["idx_train"]].mean(0))
    np.testing.assert_allclose(a["x_train"].mean(0), 0.0, atol=1e-10)
    np.testing.assert_allclose(a["x_train"].std(0)[a["feature_std"] > 0], 1.0, rtol=1e-10)
    # the kernel-input conventions: sphere rows have norm sqrt(d), augmented ones sqrt(d + 1)
    for x in (a["x_train"], a["x_test"]):
        np.testing.assert_allclose(np.linalg.norm(rd.kernel_inputs(x, "sphere"), axis=1), math.sqrt(d))
        aug = rd.kernel_inputs(x, "augmented_sphere")
        assert aug.shape == (len(x), d + 1)
        np.testing.assert_allclose(np.linalg.norm(aug, axis=1), math.sqrt(d + 1))
        np.testing.assert_array_equal(rd.kernel_inputs(x, "standardised"), x)
    if classes:
        np.testing.assert_array_equal(np.argmax(a["t_train"], 1), a["y_train"])
        # stratified: class proportions of train and test agree within one row per class
        for c in range(classes):
            assert abs(np.mean(a["y_test"] == c) * n_te - np.mean(y_raw == c) * n_te) <= 1.0
    else:
        np.testing.assert_allclose(a["t_train"][:, 0].mean(), 0.0, atol=1e-12)
        np.testing.assert_allclose(a["t_train"][:, 0].std(), 1.0, rtol=1e-12)


def test_split_is_deterministic_and_seeded():
    a, b = rd.make_dataset("wine", 0.25, seed=3), rd.make_dataset("wine", 0.25, seed=3)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c = rd.make_dataset("wine", 0.25, seed=4)
    assert not np.array_equal(a["idx_test"], c["idx_test"])
    with pytest.raises(ValueError, match="unknown real data set"):
        rd.load_raw("mnist")


def test_constant_features_become_zero_and_norms_survive_the_augmented_sphere():
    x = np.array([[1.0, 5.0, 0.0], [2.0, 5.0, 1.0], [3.0, 5.0, 0.0]])
    xtr, xte, mean, std = rd.standardise(x, x[:1])
    assert np.all(xtr[:, 1] == 0) and std[1] == 0
    np.testing.assert_allclose(np.linalg.norm(rd.kernel_inputs(xtr, "sphere"), axis=1), math.sqrt(3))
    # two rows along the same direction, norms 1 and 3: the sphere makes them equal (norm lost),
    # the augmented sphere keeps them apart (norm kept as the angle to the constant axis)
    z = np.array([[1.0, 0.0], [3.0, 0.0]])
    sph, aug = rd.kernel_inputs(z, "sphere"), rd.kernel_inputs(z, "augmented_sphere")
    np.testing.assert_allclose(sph[0], sph[1])
    assert np.linalg.norm(aug[0] - aug[1]) > 0.3
    with pytest.raises(ValueError, match="input convention"):
        rd.kernel_inputs(z, "whitened")


def test_subsample_and_cv_folds_stay_in_the_training_rows():
    a = rd.make_dataset("iris", 0.25, seed=0)
    keep = rd.subsample(a["y_train"], 60, seed=0, stratify=True)
    assert len(keep) == 60 and len(set(keep)) == 60 and keep.max() < len(a["y_train"])
    np.testing.assert_array_equal(keep, rd.subsample(a["y_train"], 60, seed=0, stratify=True))
    assert set(np.bincount(a["y_train"][keep])) <= {19, 20, 21}
    np.testing.assert_array_equal(rd.subsample(a["y_train"], None, 0, True), np.arange(len(a["y_train"])))
    folds = rd.cv_folds(a["y_train"][keep], 5, seed=0, stratify=True)
    assert len(folds) == 5
    val = np.concatenate([v for _, v in folds])
    assert sorted(val) == list(range(60))  # every kept training row validated exactly once
    test_rows = set(a["idx_test"])
    for fit, v in folds:
        assert not set(fit) & set(v)
        # positions map to raw rows of the TRAINING split only: no test row in any fold
        assert not set(a["idx_train"][keep][np.concatenate([fit, v])]) & test_rows


# ------------------------------------------------------------------------------------------------
# kernel PCA and the g/h decomposition


def test_kernel_pca_matches_dense_eigendecomposition():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((40, 60))
    K = a @ a.T / 60 + 0.5
    lam, comps = kp.kernel_pca(K, 5)
    dense = np.sort(np.linalg.eigvalsh(K / 40))[::-1][:5]
    np.testing.assert_allclose(lam, dense, rtol=1e-10)
    np.testing.assert_allclose(comps.T @ comps / 40, np.eye(5), atol=1e-10)  # p_in orthonormal
    np.testing.assert_allclose((K / 40) @ comps, comps * lam[None], atol=1e-10)  # eigenfunctions
    assert np.all(comps[np.argmax(np.abs(comps), 0), range(5)] > 0)  # sign convention
    with pytest.raises(ValueError):
        kp.kernel_pca(K, 41)


def test_g_h_decomposition_known_answer():
    rng = np.random.default_rng(1)
    n, lam, a = 50, 0.02, 0.5
    q, _ = np.linalg.qr(rng.standard_normal((n, 2)))
    phi, psi = math.sqrt(n) * q[:, 0], math.sqrt(n) * q[:, 1]  # p_in orthonormal
    t = np.arange(0, 101, 10)
    c = 0.05 * np.sin(t / 30.0)
    f_star = rng.standard_normal(n)
    path = f_star[None] - a * (1 - lam) ** t[:, None] * phi[None] + c[:, None] * psi[None]
    g, h = kp.decompose(path, f_star, 3.0 * phi)  # the direction's norm does not matter
    np.testing.assert_allclose(g, a * (1 - lam) ** t, rtol=1e-12)
    np.testing.assert_allclose(h, np.abs(c), atol=1e-12)
    np.testing.assert_allclose(kp.decay_rate(t, g), -math.log(1 - lam), rtol=1e-10)
    np.testing.assert_allclose(kp.predicted_g(t, lam, a, discrete=True), g, rtol=1e-12)
    np.testing.assert_allclose(kp.predicted_g(t, lam, a), a * np.exp(-lam * t))
    # batched over trials
    g2, h2 = kp.decompose(np.stack([path, path]), np.stack([f_star, f_star]), phi)
    assert g2.shape == (2, len(t)) and np.allclose(g2[1], g)


def test_linear_model_path_is_a_straight_line():
    """Kernel GD f_{t+1} - f* = (I - K/N)(f_t - f*) from f_0 - f* = -a f^(2): h_t = 0 exactly."""
    rng = np.random.default_rng(2)
    n = 30
    b = rng.standard_normal((n, n))
    K = b @ b.T / n
    lam, comps = kp.kernel_pca(K, 3)
    f_star = rng.standard_normal(n)
    f = f_star - 0.5 * comps[:, 1]
    path = [f]
    for _ in range(50):
        f = f - (K / n) @ (f - f_star)
        path.append(f)
    g, h = kp.decompose(np.array(path), f_star, comps[:, 1])
    assert np.max(h) < 1e-12
    np.testing.assert_allclose(g, 0.5 * (1 - lam[1]) ** np.arange(51), rtol=1e-10)


# ------------------------------------------------------------------------------------------------
# kernel regression


def _psd(rng, n, m):
    z = rng.standard_normal((n + m, 5))
    k = np.exp(-0.5 * ((z[:, None] - z[None]) ** 2).sum(-1))
    return k[:n, :n], k[n:, :n]


def test_ridge_path_and_kernel_gd_match_direct_solves():
    rng = np.random.default_rng(3)
    K, Ks = _psd(rng, 30, 7)
    Y = rng.standard_normal((30, 2))
    kbar = np.trace(K) / 30
    preds = kr.ridge_path(K, Ks, Y, [1e-3, 0.1])
    np.testing.assert_allclose(preds[1], Ks @ np.linalg.solve(K + 0.1 * kbar * np.eye(30), Y), rtol=1e-8)
    eta, T = 1.0 / np.linalg.eigvalsh(K)[-1], 25
    f, ft = np.zeros((30, 2)), np.zeros((7, 2))
    for _ in range(T):  # explicit kernel GD on 1/2 sum ||f - y||^2
        r = f - Y
        f, ft = f - eta * K @ r, ft - eta * Ks @ r
    gd = kr.kernel_gd_predictor(K, Ks, Y, eta, [T, np.inf])
    np.testing.assert_allclose(gd[0], ft, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gd[1], kr.ridge_path(K, Ks, Y, [0.0])[0], rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="diverges"):
        kr.kernel_gd_predictor(K, Ks, Y, 3 * eta, [1])


def test_scores_cv_and_ridge_selection():
    assert (
        kr.score(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 1, 1]), "classification")
        == 2 / 3
    )
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert kr.score(y[:, None], y, "regression") == 1.0
    assert kr.score(np.full((4, 1), 2.5), y, "regression") == 0.0
    with pytest.raises(ValueError):
        kr.score(y, y, "ranking")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((60, 3))
    labels = (x[:, 0] > 0).astype(int)
    K = np.exp(-0.5 * ((x[:, None] - x[None]) ** 2).sum(-1))
    folds = rd.cv_folds(labels, 4, seed=0, stratify=True)
    ridges = [1e-6, 1e-2, 1.0, 1e6]
    cv = kr.cv_scores(K, np.eye(2)[labels], labels, folds, ridges, "classification")
    assert cv.shape == (4, 4) and np.all((cv >= 0) & (cv <= 1))
    assert (
        kr.select_ridge(np.array([[0.5, 0.5], [0.9, 0.9], [0.9, 0.9], [0.1, 0.2]]), ridges) == 2
    )  # tie -> larger


def test_gd_records_matches_training_gd_run_for_a_shared_target():
    import jax
    import jax.numpy as jnp

    from pipeline import training

    spec = common.net_spec({"depth": 2, "activation": "relu", "w_std": 1.0, "b_std": 0.1}, 32, 3)
    x = jnp.asarray(np.random.default_rng(5).standard_normal((10, 3)), jnp.float32)
    y = jnp.sin(x[:, 0])
    params0 = training.init_batch(jax.random.PRNGKey(0), spec, [0, 1])
    _, loss_ref = training.gd_run(spec, params0, x, y, 0.05, 12)
    _, fs, loss = common.gd_records(
        spec, params0, x, jnp.broadcast_to(y[None, :, None], (2, 10, 1)), 0.05, [0, 5, 12]
    )
    assert fs.shape == (2, 3, 10, 1) and loss.shape == (2, 3)
    np.testing.assert_allclose(loss[:, -1], np.asarray(loss_ref)[-1], rtol=1e-4)
    np.testing.assert_allclose(loss[:, 1], np.asarray(loss_ref)[5], rtol=1e-4)
    with pytest.raises(ValueError, match="steps"):
        common.gd_records(spec, params0, x, y[None, :, None], 0.05, [1, 5])


# ------------------------------------------------------------------------------------------------
# checks: pass and must-fail cases

SECTION = {
    "ci": 0.95,
    "fig3": {"rate_tolerance": 0.1, "exponent_tol": 0.1, "classes": [0, 1]},
}
LAM2 = 0.02
RATE = -math.log1p(-LAM2) / LAM2  # the discrete-GD prediction of pc_decay_rate at lr 1


def _runs(widths, h_exp=-0.5, dev_exp=-0.5, rate=RATE, trials=4, noise=0.01, seed=0):
    """Synthetic Figure-3 paths with known laws: max_t ||h_t|| ~ w^h_exp, max_t ||f_t - f_t^lin|| ~
    w^dev_exp, ||g_t|| = a exp(-rate lambda_2 t) (lr 1 on N = 64 points)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, 101, 10)
    bump = np.sin(np.pi * t / 100)[None]
    runs = []
    for w in widths:
        jit = 1 + noise * rng.standard_normal((trials, 1))
        runs.append(
            {
                "width": np.int64(w),
                "t": t,
                "amplitude": np.float64(0.5),
                "eta": np.float64(1 / 64),
                "f_star": np.zeros((trials, 64)),
                "g": 0.5 * np.exp(-rate * LAM2 * jit * t[None]),
                "h": 0.3 * w**h_exp * bump * jit,
                "h_lin": 0.3 * w**h_exp * bump,
                "dev_lin": 0.1 * w**dev_exp * bump * jit,
                "f2_alignment": np.ones(trials),
            }
        )
    return runs


def _verdicts(runs, widths, section=SECTION):
    cks = fig3_mod.path_checks(widths, runs, LAM2, section)
    assert [c.check for c in cks] == ["pc_straight_line", "pc_training_deviation", "pc_decay_rate"]
    assert all(c.kind == "prediction" and c.power and c.interval for c in cks)
    return [c.verdict for c in cks], cks


def test_path_checks_pass_at_the_predicted_values():
    widths = [100, 300, 1000]
    v, cks = _verdicts(_runs(widths), widths)
    assert v == ["pass", "pass", "pass"]
    assert abs(cks[0].measured + 0.5) < 0.02 and abs(cks[2].measured - RATE) < 0.02
    assert "Jacot" in cks[0].detail and "Lee et al." in cks[1].detail and "lambda_2" in cks[2].detail


def test_pc_straight_line_fails_at_a_slope_of_minus_0_3_and_cannot_tell_minus_0_4():
    widths = [100, 300, 1000]
    assert _verdicts(_runs(widths, h_exp=-0.3), widths)[0][0] == "fail"
    assert _verdicts(_runs(widths, h_exp=0.5), widths)[0][0] == "fail"  # growing with width
    # the former sign check's kind of result (slope -0.4 with spread) is no longer a pass
    assert _verdicts(_runs(widths, h_exp=-0.4, noise=0.05), widths)[0][0] == "inconclusive"


def test_pc_training_deviation_is_a_bound_and_fails_at_a_slower_decay():
    widths = [100, 300, 1000]
    assert _verdicts(_runs(widths, dev_exp=-1.0), widths)[0][1] == "pass"  # O(1/m) is within the bound
    assert _verdicts(_runs(widths, dev_exp=-0.8), widths)[0][1] == "pass"
    assert _verdicts(_runs(widths, dev_exp=-0.3), widths)[0][1] == "fail"  # slower than m^-1/2
    assert _verdicts(_runs(widths, dev_exp=0.0), widths)[0][1] == "fail"  # does not shrink
    assert _verdicts(_runs([100, 1000], dev_exp=-1.0), [100, 1000])[0][1] == "inconclusive"


def test_pc_decay_rate_fails_20_percent_off_and_two_widths_are_inconclusive():
    widths = [100, 300, 1000]
    assert _verdicts(_runs(widths, rate=1.2 * RATE), widths)[0][2] == "fail"
    assert _verdicts(_runs(widths, rate=0.8 * RATE), widths)[0][2] == "fail"
    v, _ = _verdicts(_runs([100, 1000]), [100, 1000])
    assert v[0] == "inconclusive"  # a slope through two widths is not a value check


def test_linearised_path_is_exact_kernel_gd():
    rng = np.random.default_rng(7)
    b = rng.standard_normal((2, 12, 12))
    K0 = b @ np.swapaxes(b, 1, 2) / 12
    f0, fs = rng.standard_normal((2, 12)), rng.standard_normal((2, 12))
    eta = 0.5 / np.linalg.eigvalsh(K0).max()
    path = fig3_mod.linearised_path(K0, f0, fs, eta, [0, 3, 7])
    for s in range(2):
        f = f0[s].copy()
        for t in range(8):
            if t in (0, 3, 7):
                np.testing.assert_allclose(path[s, [0, 3, 7].index(t)], f, rtol=1e-10, atol=1e-12)
            f = f - eta * K0[s] @ (f - fs[s])


def test_fig3_batch_draws_only_the_chosen_classes():
    labels = np.repeat(np.arange(10), 20)
    pos = fig3_mod.fig3_batch(labels, [0, 1], 30, seed=0)
    assert len(pos) == 30 and set(labels[pos]) <= {0, 1}
    assert len(fig3_mod.fig3_batch(labels, [], 150, seed=0)) == 150  # empty: every class
    with pytest.raises(ValueError, match="exceeds"):
        fig3_mod.fig3_batch(labels, [0, 1], 41, seed=0)


def test_gap_check_value_prediction_pass_fail_inconclusive():
    widths = [64, 256, 1024, 4096]
    rng = np.random.default_rng(6)

    def law(exp, noise=0.02):
        return np.array(widths, float)[None] ** exp * np.exp(noise * rng.standard_normal((3, len(widths))))

    c, table = reg_mod.gap_check({"iris": law(-0.5), "wine": 2 * law(-0.5)}, widths, 0.95, 0.1)
    assert c.verdict == "pass" and c.check == "wide_net_matches_ntk_regression" and len(table) == 2
    assert c.kind == "prediction" and c.power
    # the alternative: iris -0.336 [-0.395, -0.277] passed the former sign check; it fails now
    c, _ = reg_mod.gap_check({"digits": law(-0.5), "iris": law(-0.336, 0.005)}, widths, 0.95, 0.1)
    assert c.verdict == "fail" and "iris" in c.interval and abs(c.measured + 0.336) < 0.02
    c, _ = reg_mod.gap_check({"iris": law(0.3)}, widths, 0.95, 0.1)
    assert c.verdict == "fail"
    c, _ = reg_mod.gap_check({"iris": law(-0.5)[:, :2]}, widths[:2], 0.95, 0.1)
    assert c.verdict == "inconclusive"  # two widths
    # only the asymptotic widths count: a pre-asymptotic -0.336 below min_width is not tested
    c, table = reg_mod.gap_check({"iris": law(-0.336, 0.005)}, widths, 0.95, 0.1, min_width=1024)
    assert c.verdict == "inconclusive" and math.isnan(c.measured) and "ALL widths" in c.detail
    assert abs(table[0]["exponent"] + 0.336) < 0.02  # reported over all widths
    c, _ = reg_mod.gap_check({"iris": law(-1.0)}, widths, 0.95, 0.1, min_width=256)
    assert c.verdict == "fail"  # an O(1/m) law fails on the asymptotic widths 256, 1024, 4096


# ------------------------------------------------------------------------------------------------
# the shared tiny run

TARGETS = [
    "tables/realdata_datasets.csv",
    "tables/realdata_pca_eigenvalues.csv",
    "tables/realdata_fig3.csv",
    "tables/realdata_accuracy.csv",
    "tables/realdata_accuracy_summary.csv",
    "tables/realdata_net_gap.csv",
    "checks/realdata.csv",
]


@pytest.mark.slow
def test_tiny_run_outputs(tiny_run):
    from conftest import TINY, load_yaml

    sec = load_yaml(TINY)["realdata"]
    res = tiny_run / "results"
    for t in TARGETS:
        assert (res / t).is_file(), t
    for fig in ("kernel_pca.png", "function_path.png", "regression.png"):
        assert (res / "figures" / "realdata" / fig).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in set(sec["datasets"]) | {"digits"}:
        assert (res / "realdata" / "data" / f"{name}.npz").is_file()
        assert (res / "realdata" / "data" / f"{name}.npz.json").is_file()
    eig = pd.read_csv(res / "tables" / "realdata_pca_eigenvalues.csv")
    assert eig["eigenvalue"].is_monotonic_decreasing and (eig["eigenvalue"] > 0).all()
    fig3 = pd.read_csv(res / "tables" / "realdata_fig3.csv")
    assert sorted(set(fig3["width"])) == sorted(sec["fig3"]["widths"])
    assert len(fig3) == len(sec["fig3"]["widths"]) * sec["fig3"]["trials"]
    assert (fig3["loss_T"] < fig3["loss_0"]).all() and (fig3["k_growth"] > 0).all()
    acc = pd.read_csv(res / "tables" / "realdata_accuracy.csv")
    assert set(acc["dataset"]) == set(sec["datasets"])
    assert {"ntk", "nngp", "net", "ntk_gd", "rbf_krr", "random_forest"} <= set(acc["method"])
    conventions = set(sec["regression"].get("inputs", rd.INPUT_CONVENTIONS))
    assert set(acc[acc["method"] == "ntk"]["inputs"]) == conventions
    assert set(acc[acc["method"].isin(["rbf_krr", "random_forest"])]["inputs"]) == {"standardised"}
    assert ((acc["test_mean"] > 0.3) & (acc["test_mean"] <= 1.0)).all()  # every method learns something
    gap = pd.read_csv(res / "tables" / "realdata_net_gap.csv")
    assert len(gap) == len(sec["datasets"]) * len(sec["regression"]["widths"]) * sec["regression"]["seeds"]
    checks = pd.read_csv(res / "checks" / "realdata.csv").set_index("check")
    assert set(checks.index) == {
        "pc_straight_line",
        "pc_training_deviation",
        "pc_decay_rate",
        "wide_net_matches_ntk_regression",
    }
    assert set(checks["kind"]) == {"prediction"} and checks["power"].str.len().min() > 0
    assert set(checks["verdict"]) <= {"pass", "fail", "inconclusive"}
    assert checks.loc["wide_net_matches_ntk_regression", "verdict"] != "fail"
    assert (
        gap.groupby("width")["gap_ntk_gd_T"].mean().diff().dropna() < 0
    ).all()  # the gap shrinks with width


def test_net_program_keeps_the_outputs_at_gap_steps():
    """net_program(T = 7, gap_steps = 3): the outputs after 3 steps are those of a 3-step run, the
    final ones those of a 7-step run, the loss (0, T) that of the 7-step run; gap_steps >= T is T."""
    import jax.numpy as jnp

    spec = common.net_spec({"depth": 1, "activation": "relu", "w_std": 1.0, "b_std": 0.1}, 16, 3, d_out=2)
    rng = np.random.default_rng(0)
    xall = jnp.asarray(rng.standard_normal((9, 3)), jnp.float32)
    Y = jnp.asarray(rng.standard_normal((5, 2)), jnp.float32)
    p0 = common.init_nets(spec, 2, jnp.float32, 1, 2)
    f0, f3, f7, loss = reg_mod.net_program(spec, 5, 2, 0.1, 7, jnp.float32, 3)(p0, Y, xall)
    _, a3, b3, _ = reg_mod.net_program(spec, 5, 2, 0.1, 3, jnp.float32)(p0, Y, xall)
    _, _, b7, loss7 = reg_mod.net_program(spec, 5, 2, 0.1, 7, jnp.float32, 70)(p0, Y, xall)
    assert np.allclose(f3, b3, atol=1e-6) and np.allclose(a3, b3) and np.allclose(f7, b7, atol=1e-6)
    assert np.allclose(loss, loss7) and not np.allclose(f3, f7, atol=1e-3) and loss.shape == (2, 2)
