"""Cost model (pipeline.cost_model) and the plan CLI (tools/plan.py): formulas, plan table, resources,
dry-run parsing, comparison with benchmark TSVs. No JAX, no training."""

from __future__ import annotations

import copy
import importlib.util

import pytest
from conftest import ROOT, TINY

from pipeline import cost_model as cm
from pipeline.config import load_config

DEFAULT = ROOT / "config" / "config.yaml"
PAPER = ROOT / "config" / "paper.yaml"


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT)


def _plan_module():
    spec = importlib.util.spec_from_file_location("plan_tool", ROOT / "tools" / "plan.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_ntk_init_flops_formula(config):
    sec = config["ntk"]
    n, _, d = cm.dataset_shape(config, sec["dataset"])
    m = 1024
    c = cm.job_cost(config, "ntk_init", {"width": str(m)})
    sizes = [d, m, 1]
    p = d * m + m  # no bias
    expect = sec["seeds"] * (4 * n * p + 2 * n * n * ((d + m) + (m + 1)))
    assert c.flops == pytest.approx(expect)
    # linear in the width for large widths
    big = cm.job_cost(config, "ntk_init", {"width": str(4 * m)})
    assert big.flops / c.flops == pytest.approx(4, rel=0.01)
    assert cm.n_params(sizes, False) == p


def test_regimes_teacher_flops_formula(config):
    t = config["regimes"]["teacher"]
    p = t["student_units"] * (t["dim"] + 1)
    runs = t["n_tau"] * t["trials"]
    evals = t["steps"] // t["eval_every"] + 2
    expect = runs * (6 * t["n_train"] * p * t["steps"] + evals * 2 * t["n_test"] * p)
    c = cm.job_cost(config, "regimes_teacher")
    assert c.flops == pytest.approx(expect)
    cfg = copy.deepcopy(config)
    cfg["regimes"]["teacher"]["n_train"] *= 2
    assert cm.job_cost(cfg, "regimes_teacher").flops / c.flops == pytest.approx(2, rel=0.05)


def test_realdata_regression_flops_formula(config):
    sec = config["realdata"]["regression"]
    n, m, d, classes = 1347, 450, 64, 10  # digits: 1797 rows, a quarter (rounded up) for testing
    assert cm.real_split(config, "digits") == (n, m, d, classes)
    n = min(n, sec["max_train"])
    f, s, t = sec["cv_folds"], sec["seeds"], sec["steps"]
    kernels = len(sec["inputs"]) * sum(
        100 * (n + m) ** 2 * (l + 1) + 20 * (f + 1) * n**3 for l in sec["depths"]
    )
    assert sec["net"]["depth"] == 1 and sec["net"]["b_std"] is not None
    nets = 0
    for w in sec["widths"]:
        p = d * w + w + w * classes + classes  # weights and biases of d -> w -> C
        nets += s * (6 * n * p * t + 4 * (n + m) * p)
    c = cm.job_cost(config, "realdata_regression", {"dataset": "digits"})
    assert c.flops == pytest.approx(kernels + nets)
    assert c.modeled and c.peak_bytes > 0


def test_spectra_learning_flops_formula(config):
    ls = config["spectra"]["learning"]
    n, w, s, t = ls["n_points"], ls["width"], ls["seeds"], ls["steps"]
    p = 2 * w + w + w + 1  # d = 2 -> w -> 1 with biases
    sig = (2 + w) + (w + 1)
    expect = s * (6 * n * p * t + 2 * (4 * n * p + 2 * n * n * sig) + 10 * n**3)
    expect *= 2.0 if ls["x64"] or config.get("x64") else 1.0  # float64 (learning.x64 or x64): twice the time
    assert cm.job_cost(config, "spectra_learning").flops == pytest.approx(expect)


def rules_in(rule_file) -> list[str]:
    """Names of the rules a rule file defines (also those indented under an ``if``)."""
    import re

    return re.findall(r"^\s*(?:local)?rule (\w+):", rule_file.read_text(), flags=re.M)


def test_every_rule_is_modeled(config):
    """Every rule of every rule file (a stage added later included) has a flop model or is a
    constant (overhead-only) rule; none falls back to the unmodeled default."""
    from pipeline.stages import STAGES

    for stage in (s.name for s in STAGES):
        rules = rules_in(ROOT / "workflow" / "rules" / f"{stage}.smk")
        assert rules, stage
        for rule in rules:
            assert rule in cm.RULE_MODELS or rule in cm.CONSTANT_RULES, rule
            if rule in cm.RULE_MODELS:
                assert rule in cm.EFFICIENCY, rule


def test_new_stage_models_positive(config):
    jobs = [("realdata_fig3", {}), ("spectra_analytic", {}), ("spectra_gram", {})]
    jobs += [("regimes_circle", {}), ("regimes_mup", {})]
    jobs += [("realdata_regression", {"dataset": d}) for d in config["realdata"]["datasets"]]
    for rule, wc in jobs:
        c = cm.job_cost(config, rule, wc)
        assert c.modeled and c.flops > 0 and c.peak_bytes > 0, rule
        assert cm.job_mem_mb(config, rule, wc) >= cm.MEM_FLOOR_MB
        assert cm.job_runtime_min(config, rule, wc, gpu=True) >= cm.RUNTIME_FLOOR_MIN


def test_train_flops_linear_in_steps(config):
    arch = next(iter(config["train"]["archs"]))
    width = config["train"]["archs"][arch]["widths"][0]
    c1 = cm.job_cost(config, "train", {"arch": arch, "width": width})
    cfg = copy.deepcopy(config)
    cfg["train"]["steps"] *= 2
    c2 = cm.job_cost(cfg, "train", {"arch": arch, "width": width})
    assert 1.5 < c2.flops / c1.flops < 2.0  # the records and K0 do not grow with the steps
    assert c1.modeled and c1.peak_bytes > 0


def test_fourier_memory_at_paper_scale():
    cfg = load_config(PAPER)
    c = cm.job_cost(cfg, "fourier_train", {"imageset": "natural", "mapping": "gaussian"})
    n = cm.n_images(cfg, "natural")
    per_image_gb = c.peak_bytes / n / 1e9
    assert 0.5 < per_image_gb < 3  # "about 1 GB per 512-px image in float32" (config/paper.yaml)
    assert c.flops > 1e14


def test_unknown_rule_is_overhead_only(config):
    c = cm.job_cost(config, "brand_new_rule", {"x": "1"})
    assert not c.modeled and c.flops == 0
    df = cm.predict(cm.plan(config, [("brand_new_rule", {}), ("ntk_summary", {})]), 1e10)
    row = df.set_index("rule").loc["brand_new_rule"]
    assert not row["modeled"] and row["wall_cpu_s"] == pytest.approx(cm.OVERHEAD_S["unknown"])
    assert df.set_index("rule").loc["ntk_summary", "modeled"]


def test_plan_and_predict(config):
    widths = config["ntk"]["widths"]
    jobs = [("ntk_init", {"width": str(w)}) for w in widths] + [("ntk_summary", {})]
    df = cm.plan(config, jobs)
    row = df.set_index("rule").loc["ntk_init"]
    assert row["jobs"] == len(widths)
    total = sum(cm.job_cost(config, "ntk_init", {"width": w}).flops for w in widths)
    assert row["flops"] == pytest.approx(total)
    rate = 1e10
    out = cm.predict(df, rate).set_index("rule")
    eff = cm.EFFICIENCY["ntk_init"]
    expect = len(widths) * cm.OVERHEAD_S["jax"] + total / (rate * eff)
    assert out.loc["ntk_init", "wall_cpu_s"] == pytest.approx(expect)
    gpu = cm.predict(df, 60e12, gpu=True).set_index("rule")
    assert gpu.loc["ntk_init", "wall_gpu_s"] < out.loc["ntk_init", "wall_cpu_s"] + len(widths) * 5


def test_resources_floor_and_growth(config):
    small = cm.resources(config, "ntk_summary")
    assert small["mem_mb"] >= cm.MEM_FLOOR_MB and small["runtime"] >= cm.RUNTIME_FLOOR_MIN
    paper = load_config(PAPER)
    arch = next(iter(paper["train"]["archs"]))
    lo = cm.job_mem_mb(paper, "train", {"arch": arch, "width": 256})
    hi = cm.job_mem_mb(paper, "train", {"arch": arch, "width": 262144})
    assert hi > lo
    assert cm.job_runtime_min(
        paper, "train", {"arch": arch, "width": 262144}, gpu=False
    ) > cm.job_runtime_min(paper, "train", {"arch": arch, "width": 262144}, gpu=True)


def test_resources_accept_snakemake_wildcards(config):
    class Wildcards:  # snakemake.io.Wildcards: a Namedlist with items()
        def __init__(self, **kw):
            self._kw = kw

        def items(self):
            return self._kw.items()

    arch = next(iter(config["train"]["archs"]))
    wc = Wildcards(arch=arch, width="1024")
    assert cm.job_mem_mb(config, "train", wc) == cm.job_mem_mb(config, "train", {"arch": arch, "width": 1024})


DRY_RUN = """
Building DAG of jobs...
Job stats:
job        count
-------  -------
train          2

[Mon Nov 30 08:30:30 2026]
rule train:
    input: results/data/circle.npz
    output: results/train/seed_net/w1024.npz, results/train/seed_net/w1024.npz.json
    log: results/logs/train/seed_net_w1024.log
    jobid: 20
    benchmark: results/benchmarks/train/seed_net_w1024.tsv
    reason: Missing output files: results/train/seed_net/w1024.npz
    wildcards: arch=seed_net, width=1024
    threads: 2
    resources: tmpdir=/tmp, runtime=30, gpu=1, mem_mb=615, mem=615 MB, mem_mib=587
Shell command: None

[Mon Nov 30 08:30:30 2026]
localrule ntk_summary:
    input: results/ntk/analytic.npz
    benchmark: results/benchmarks/ntk/summary.tsv

[Mon Nov 30 08:30:30 2026]
localrule all:
    input: results/tables/x.csv
"""


def test_parse_dry_run():
    jobs = cm.parse_dry_run(DRY_RUN)
    assert [j["rule"] for j in jobs] == ["train", "ntk_summary", "all"]
    assert jobs[0]["wildcards"] == {"arch": "seed_net", "width": "1024"}
    assert jobs[0]["benchmark"] == "results/benchmarks/train/seed_net_w1024.tsv"
    assert jobs[1]["wildcards"] == {}


def test_stage_order():
    rules = ["report_tables", "train", "ntk_init", "data_images", "foo_bar", "train_jacot"]
    assert cm.stage_order(rules, ["data", "ntk", "train", "report"]) == [
        "data_images",
        "ntk_init",
        "train",
        "train_jacot",
        "report_tables",
        "foo_bar",
    ]


def test_compare_with_benchmarks(tmp_path):
    plan_tool = _plan_module()
    bench = tmp_path / "results" / "benchmarks"
    (bench / "train").mkdir(parents=True)
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for w, s in ((1024, 10.0), (4096, 30.0)):
        row = f"{s}\t0:00:{int(s)}\t200\t0\t0\t0\t0\t0\t50\t{s}\n"
        (bench / "train" / f"seed_net_w{w}.tsv").write_text(header + row)
    jobs = [
        {
            "rule": "train",
            "wildcards": {"arch": "seed_net", "width": str(w)},
            "benchmark": f"results/benchmarks/train/seed_net_w{w}.tsv",
        }
        for w in (1024, 4096)
    ]
    jobs.append({"rule": "ntk_summary", "wildcards": {}, "benchmark": "results/benchmarks/ntk/summary.tsv"})
    df = plan_tool.measured_wall(bench, jobs, [1.0, 2.0, 3.0]).set_index("rule")
    assert df.loc["train", "measured_s"] == pytest.approx(40.0)
    assert df.loc["train", "measured_cpu_s"] == pytest.approx(40.0)
    assert df.loc["train", "measured_jobs"] == 2
    assert df.loc["train", "pred_measured_s"] == pytest.approx(3.0)  # the measured jobs only
    assert "ntk_summary" not in df.index


@pytest.mark.slow
def test_plan_cli_lists_every_rule_of_the_dag(capsys):
    """tools/plan.py on the tiny config: every rule of the dry run is in the table (no training)."""
    plan_tool = _plan_module()
    # the tiny config runs every rule of every rule file (one dry run: the plan's own)
    rules = {r for f in (ROOT / "workflow" / "rules").glob("*.smk") for r in rules_in(f)}
    assert {"ntk_init", "train", "fourier_train", "ntk_depth"} <= rules
    assert plan_tool.main(["--config", str(TINY), "--cpu-gflops", "10"]) == 0
    out = capsys.readouterr().out
    for rule in rules:
        assert f"| {rule}" in out
    assert "**total**" in out


def test_ntk_activations_and_depth_trainability_costs(config):
    """Issue 23's two new rules: the extra-activation sweep is the ntk_init model summed over its
    widths per activation (plus the quadrature limit), and the trainability grid scales with its
    nets x steps and compiles once."""
    sec = config["ntk"]["activations"]
    c = cm.job_cost(config, "ntk_activations")
    inits = sum(cm._ntk_cost(config, 1, int(m), int(sec["seeds"])).flops for m in sec["widths"])
    assert c.flops > len(sec["names"]) * inits and c.compiles == len(sec["names"]) * (len(sec["widths"]) + 1)
    more = copy.deepcopy(config)
    more["ntk"]["activations"]["names"] = list(sec["names"]) * 2
    assert cm.job_cost(more, "ntk_activations").flops == pytest.approx(2 * c.flops)
    t = cm.job_cost(config, "depth_trainability")
    assert t.flops > 0 and t.compiles == 1
    longer = copy.deepcopy(config)
    longer["depth"]["trainability"]["steps"] *= 2
    assert 1.9 * t.flops < cm.job_cost(longer, "depth_trainability").flops < 2.0 * t.flops
