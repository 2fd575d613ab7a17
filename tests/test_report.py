"""The report stage: verdict table, provenance, wall times, `make report`, and the report in a browser.

Unit tests call pipeline.stages.report directly; the workflow tests copy the shared tiny run
(conftest.tiny_run), add theory checks written here (one failing) through `report.extra_checks`,
and run `make report` on the copy; the browser test opens the resulting report in headless
Chromium (Debian package `chromium`, installed with apt-get when missing).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, TINY, load_yaml, write_config

from pipeline import checks as checks_mod
from pipeline import io, provenance, report_rules
from pipeline.config import ConfigError, validate_config
from pipeline.stages import EXTRA_CATEGORIES, STAGE_NAMES, STAGES, report_category
from pipeline.stages import report as rep
from pipeline.stages import report_render as render


def _checks(tmp_path, name, rows):
    path = tmp_path / f"{name}.csv"
    checks_mod.write_checks(path, [checks_mod.Check(**r) for r in rows])
    return path


ROWS_LATE = [  # deliberately out of stage order, with an unknown stage
    dict(
        check="t_fourier_ok",
        stage="fourier",
        prediction="gauss > pos > basic > none",
        measured=1.0,
        tolerance="== 1",
        passed=True,
    ),
    dict(check="t_zz_custom", stage="zeta", prediction="p", measured=2.0, tolerance="t", passed=True),
    dict(
        check="t_lazy_fail",
        stage="train",
        prediction="-0.5",
        measured=-0.31,
        tolerance="-0.5 +- 0.15",
        passed=False,
        ci_low=-0.35,
        ci_high=-0.27,
        figure="train/lazy.png",
    ),
]
ROWS_EARLY = [
    dict(
        check="t_ntk_exponent",
        stage="ntk",
        prediction="-0.5",
        measured=-0.51,
        tolerance="|e + 0.5| <= 0.05",
        passed=True,
        ci_low=-0.53,
        ci_high=-0.49,
        figure="ntk/error_vs_width.png",
        detail="8 seeds, |CI| = 0.04",
    ),
    dict(check="t_data_ok", stage="data", prediction="p", measured=1.0, tolerance="t", passed=True),
]


# ----------------------------------------------------------------------------------------- units
def test_collect_checks_orders_stages_and_keeps_failures(tmp_path):
    df = rep.collect_checks([_checks(tmp_path, "late", ROWS_LATE), _checks(tmp_path, "early", ROWS_EARLY)])
    assert list(df["check"]) == ["t_data_ok", "t_ntk_exponent", "t_lazy_fail", "t_fourier_ok", "t_zz_custom"]
    assert list(df.columns) == list(checks_mod.COLUMNS)
    failed = df[~df["passed"]]
    assert list(failed["check"]) == ["t_lazy_fail"]
    assert failed["ci_low"].item() == -0.35 and math.isnan(df.loc[0, "ci_low"])
    assert checks_mod.summary_line(df) == "5 predictions: 4 pass, 0 inconclusive, 1 fail (fail: t_lazy_fail)."
    md = render.checks_markdown(df)
    assert "| FAIL " in md and md.count("| pass ") == 4
    assert "- `t_ntk_exponent` (ntk): 8 seeds, |CI| = 0.04" in md  # details as a list, verbatim
    assert r"| \|e + 0.5\| <= 0.05 " in md  # a | inside a table cell is escaped
    checks_mod.enforce_strict(df, strict=False)
    with pytest.raises(checks_mod.TheoryCheckFailed, match="t_lazy_fail"):
        checks_mod.enforce_strict(df, strict=True)


def test_empty_and_bad_checks_files(tmp_path):
    empty = rep.collect_checks([])
    assert list(empty.columns) == list(checks_mod.COLUMNS) and len(empty) == 0
    assert "No theory checks" in render.checks_markdown(empty)
    bad = tmp_path / "bad.csv"
    bad.write_text("check,stage,measured\nx,ntk,1\n")
    with pytest.raises(io.CorruptFileError, match="bad.csv: missing columns"):
        rep.collect_checks([bad])
    path = _checks(tmp_path, "p", ROWS_EARLY)
    df = pd.read_csv(path)
    df["passed"] = df["passed"].astype(object)
    df.loc[1, "passed"] = "maybe"
    df.to_csv(path, index=False)
    with pytest.raises(io.CorruptFileError, match=r"p.csv: row 2: column 'passed'"):
        rep.collect_checks([path])


def test_checks_html_rows_verdicts_and_figure_links(tmp_path):
    df = rep.collect_checks([_checks(tmp_path, "late", ROWS_LATE), _checks(tmp_path, "early", ROWS_EARLY)])
    links = render.figure_links(
        df["figure"].unique(), "res", ["res/figures/ntk/error_vs_{what}.png", "res/figures/other/{x}.png"]
    )
    assert links == {"ntk/error_vs_width.png": "res/figures/ntk/error_vs_width.png"}
    page = render.checks_html(df, links=links, compact=True)
    for check in df["check"]:
        assert f'id="check-{check}"' in page
    assert re.search(r'id="check-t_lazy_fail">.*FAIL', page)
    assert (
        "javascript:void(app.setView({navbarMode: 'resultinfo', resultPath: "
        "'res/figures/ntk/error_vs_width.png', content: 'img'"
    ) in html.unescape(page)
    assert "train/lazy.png" in page and "resultPath: 'res/figures/train" not in html.unescape(page)
    assert "-0.31 [-0.35, -0.27]" in page


IDENTITY_ROWS = [
    dict(
        check="t_closed_form",
        stage="ntk",
        kind="identity",
        prediction="closed form = second implementation",
        measured=3e-12,
        tolerance="<= 1e-9",
        passed=True,
        figure="ntk/kernel_heatmaps.png",
    ),
    dict(
        check="t_exact_zero",
        stage="spectra",
        kind="identity",
        prediction="odd eigenvalues vanish",
        measured=0.5,
        tolerance="<= 1e-9",
        passed=False,
    ),
]
INTERVAL_ROW = dict(
    check="t_slope",
    stage="ntk",
    prediction="-0.5",
    measured=-0.5,
    ci_low=-0.52,
    ci_high=-0.48,
    interval="95% t-interval over 8 seeds of the per-seed log-log slope",
    tolerance="|e + 0.5| <= 0.05",
    power="an exponent of -0.4 fails",
    verdict="pass",
)


def _identities_frame(tmp_path):
    rows = ROWS_EARLY + [INTERVAL_ROW] + IDENTITY_ROWS
    return rep.collect_checks([_checks(tmp_path, "mixed", rows), _checks(tmp_path, "late", ROWS_LATE)])


def test_landing_page_has_an_identities_section_below_the_predictions(tmp_path):
    df = _identities_frame(tmp_path)
    heading = "Implementation identities: exact to a tolerance"
    for compact in (True, False):
        page = render.checks_html(df, compact=compact)
        assert page.count(heading) == 1
        head, below = page.split(heading)
        assert (
            "6 predictions: 5 pass, 0 inconclusive, 1 fail (fail: t_lazy_fail); 2 identities: 1 hold, 1 fail "
            in (html.unescape(head))
        )
        for c in ("t_closed_form", "t_exact_zero"):  # identities: below the heading only
            assert f'id="check-{c}"' in below and f'id="check-{c}"' not in head
        for c in ("t_data_ok", "t_ntk_exponent", "t_slope", "t_lazy_fail", "t_fourier_ok", "t_zz_custom"):
            assert f'id="check-{c}"' in head and f'id="check-{c}"' not in below
        assert '<table class="verdicts">' in head and '<table class="verdicts identities">' in below
        assert "95% t-interval over 8 seeds of the per-seed log-log slope" in head  # compact: under measured
        assert ("an exponent of -0.4 fails" in head) is (not compact)  # power: the full table only
    full = render.checks_html(df)
    header = re.search(r"<thead><tr>(.*?)</tr></thead>", full).group(1)
    assert re.findall(r"<th>(.*?)</th>", header) == [c for c in checks_mod.COLUMNS if c != "passed"]
    md = render.checks_markdown(df)
    assert md.index("## Predictions") < md.index("t_slope") < md.index(f"## {heading}")
    assert md.index(f"## {heading}") < md.index("| t_closed_form") < md.index("Details:")
    assert "| kind " in md and "| interval " in md and "| power " in md
    # no identities: no section
    only = render.checks_html(df[df["kind"] == "prediction"], compact=True)
    assert heading not in only and "identit" not in only.split("</b>")[0]


def test_landing_page_lists_every_registry_stage_in_order():
    items = rep.landing_stages()
    assert [i["name"] for i in items] == list(STAGE_NAMES) + list(EXTRA_CATEGORIES)
    frag = render.stages_html(items)
    positions = [frag.index(f'id="stage-{s.name}"') for s in STAGES]
    assert positions == sorted(positions)
    for s in STAGES:
        item = re.search(rf'<li id="stage-{s.name}">(.*?)</li>', frag).group(1)
        assert html.escape(report_category(s.name)) in item and s.title in item
        assert f"<code>{s.name}</code>" in item
    assert rep.landing_stages()[1]["summary"].startswith("the empirical NTK at initialisation")
    rst = (ROOT / "workflow" / "report" / "workflow.rst").read_text()
    assert "report/stages_fragment.html" in rst
    assert "**ntk**" not in rst and "**fourier**" not in rst  # no hand-written list of stages


def test_pattern_regex_and_wall_times(tmp_path, monkeypatch):
    rx = report_rules.pattern_regex("res/benchmarks/train/{arch}/w{width,[0-9]+}.tsv")
    assert rx.match("res/benchmarks/train/mlp/w64.tsv") and not rx.match("res/benchmarks/train/mlp/wx.tsv")
    bench = tmp_path / "res" / "benchmarks"
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for rel, s in [
        ("train/mlp/w64.tsv", 2.0),
        ("train/mlp/w128.tsv", 3.0),
        ("data/circle.tsv", 1.5),
        ("mystery.tsv", 0.5),
        ("report/report_tables.tsv", 9.0),
    ]:
        (bench / rel).parent.mkdir(parents=True, exist_ok=True)
        (bench / rel).write_text(header + f"{s}\t0:00:0{int(s)}\t100.5\t1\t1\t1\t0\t0\t50\t{s / 2}\n")
    monkeypatch.chdir(tmp_path)  # patterns are relative to the working directory, as in Snakemake
    wall = rep.collect_wall_times(
        "res/benchmarks",
        {
            "train": "res/benchmarks/train/{arch}/w{width,[0-9]+}.tsv",
            "data_synthetic": "res/benchmarks/data/{dataset}.tsv",
            "report_tables": "res/benchmarks/report/report_tables.tsv",
        },
        exclude=("report_tables",),
    )
    got = wall.set_index("rule")
    assert got.loc["train", "jobs"] == 2 and got.loc["train", "wall_s"] == 5.0
    assert got.loc["train", "cpu_s"] == 2.5 and got.loc["train", "max_rss_mb"] == 100.5
    assert got.loc["data_synthetic", "wall_s"] == 1.5 and got.loc["?mystery.tsv", "jobs"] == 1
    assert "report_tables" not in got.index and list(wall["rule"])[0] == "train"  # sorted by time
    (bench / "data" / "circle.tsv").write_text("garbage\n")
    with pytest.raises(io.CorruptFileError, match="circle.tsv"):
        rep.collect_wall_times("res/benchmarks", {"data_synthetic": "res/benchmarks/data/{dataset}.tsv"})


def test_make_report_tables_writes_everything(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = Path("res")
    cfg = {"results": "res", "seed": 3, "strict": False, "data": {"circle": {"n_train": 8}}}
    io.save_npz(res / "data" / "circle.npz", {"x": [1.0]}, meta=provenance.metadata({"n_train": 8}))
    checks_mod.write_checks(res / "checks" / "data.csv", [], meta=provenance.metadata({"n_train": 8}))
    stage_table = res / "tables" / "ntk_errors.csv"
    io.save_table(stage_table, pd.DataFrame({"width": [64, 128], "error": [0.1, 0.07]}), markdown=True)
    (res / "benchmarks" / "data").mkdir(parents=True)
    (res / "benchmarks" / "data" / "circle.tsv").write_text("s\tmax_rss\tcpu_time\n1.25\t80\t1.0\n")
    names = [
        "checks_csv",
        "provenance_csv",
        "provenance_json",
        "outputs_csv",
        "wall_csv",
        "checks_html",
        "checks_fragment",
        "provenance_html",
        "provenance_fragment",
        "stages_fragment",
    ]
    out = {
        n: str(
            res
            / "out"
            / f"{n}.{'json' if 'json' in n else 'html' if 'html' in n or 'fragment' in n else 'csv'}"
        )
        for n in names
    }
    out["wall_png"] = str(res / "figures" / "report" / "wall_times.png")
    out["tables"] = [str(res / "report" / "tables" / "ntk_errors.html")]
    kw = dict(
        config=cfg,
        configfiles=["c.yaml"],
        results="res",
        stage_tables={"ntk_errors": str(stage_table)},
        bench_patterns={"data_synthetic": "res/benchmarks/data/{dataset}.tsv"},
    )
    files = [_checks(tmp_path, "late", ROWS_LATE), _checks(tmp_path, "early", ROWS_EARLY)]
    df = rep.make_report_tables(files, out, **kw)
    assert len(df) == 5
    for key, path in out.items():
        for p in path if isinstance(path, list) else [path]:
            assert Path(p).is_file() and Path(p).stat().st_size > 0, key
    assert "t_lazy_fail" in Path(out["checks_csv"]).with_suffix(".md").read_text()
    landing = Path(out["stages_fragment"]).read_text()
    assert all(f'id="stage-{name}"' in landing for name in STAGE_NAMES)
    prov = io.load_json(out["provenance_json"])
    assert prov["config_hash"] == provenance.config_hash(cfg) and prov["config"]["seed"] == 3
    table = pd.read_csv(out["provenance_csv"])
    assert {"run", "package", "device", "config"} <= set(table["section"])
    assert table.query("section == 'config' and key == 'data.circle.n_train'")["value"].item() == "8"
    outputs = pd.read_csv(out["outputs_csv"])
    assert outputs.loc[0, "folder"] == "data" and outputs.loc[0, "files"] == 2  # data/ and checks/data
    assert outputs.loc[0, "git_commit"] == str(provenance.git_commit())
    assert pd.read_csv(out["wall_csv"]).loc[0, "wall_s"] == 1.25
    page = Path(out["tables"][0]).read_text()
    assert "<td>128</td>" in page and "0.07" in page
    with pytest.raises(checks_mod.TheoryCheckFailed, match="t_lazy_fail"):
        rep.make_report_tables(files, out, strict=True, **kw)


def test_extra_checks_must_exist(tmp_path):
    cfg = load_yaml(TINY)
    cfg["report"]["extra_checks"] = [str(tmp_path / "nope.csv")]
    with pytest.raises(ConfigError, match=r"config key report.extra_checks\[0\]: .*nope.csv"):
        validate_config(cfg)
    cfg["report"] = {"digits": 0}
    with pytest.raises(ConfigError, match="config key report.digits: 0 violates minimum"):
        validate_config(cfg)


# ------------------------------------------------------------------------------------ workflow
def _make_report(workdir: Path, config: Path, check: bool = True) -> subprocess.CompletedProcess:
    """`make report` on ``workdir`` (-o: never reinstall the venv from inside a test)."""
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run(
        ["make", "-o", ".venv/.installed", "report", f"CONFIG={config}", f"WORKDIR={workdir}", "CORES=2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and proc.returncode:
        raise AssertionError(f"make report failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def _copy_run(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)  # copy2: modification times kept
    return dst


def _mtimes(results: Path) -> dict[str, int]:
    own = (
        "tables/theory_checks",
        "tables/provenance",
        "tables/wall_times",
        "report/",
        "figures/report/",
        "logs/report/",
        "benchmarks/report/",
        "report.html",
    )
    return {
        str(p.relative_to(results)): p.stat().st_mtime_ns
        for p in results.rglob("*")
        if p.is_file() and not str(p.relative_to(results)).startswith(own)
    }


@pytest.fixture(scope="module")
def reported(tiny_run, tmp_path_factory):
    """A copy of the tiny run plus checks written here, after `make report`:
    (workdir, config, proc, mtimes)."""
    base = tmp_path_factory.mktemp("report")
    workdir = _copy_run(tiny_run, base / "run")
    extra = [_checks(base, "extra_late", ROWS_LATE), _checks(base, "extra_early", ROWS_EARLY)]
    cfg = load_yaml(TINY)
    cfg["report"]["extra_checks"] = [str(p) for p in extra]
    config = write_config(base, cfg)
    before = _mtimes(workdir / "results")
    proc = _make_report(workdir, config)
    return workdir, config, proc, before


@pytest.mark.slow
def test_make_report_reruns_only_the_report(reported):
    workdir, _, proc, before = reported
    res = workdir / "results"
    assert before, "the tiny run left no upstream outputs"
    assert _mtimes(res) == before  # no upstream output rewritten, none added
    ran = re.findall(r"^(?:local)?rule (\w+):", proc.stdout + proc.stderr, flags=re.M)
    assert ran == ["report_tables"], ran
    docutils = re.findall(r"^.*\((?:WARNING|ERROR|SEVERE)/\d\).*$", proc.stdout + proc.stderr, flags=re.M)
    assert not docutils, docutils  # the report build (captions, landing page) logs no docutils problem
    assert (res / "report.html").stat().st_size > 100_000
    assert (res / "tables" / "theory_checks.csv").stat().st_mtime_ns > max(before.values())


@pytest.mark.slow
def test_verdict_and_provenance_tables(reported):
    workdir, _, _, _ = reported
    res = workdir / "results"
    df = rep.read_checks(res / "tables" / "theory_checks.csv")
    ours = ["t_data_ok", "t_ntk_exponent", "t_lazy_fail", "t_fourier_ok", "t_zz_custom"]
    assert set(ours) <= set(df["check"])  # plus the checks of the stages that exist
    order = {s: i for i, s in enumerate(rep.STAGE_ORDER + ("zeta",))}
    ranks = [order.get(s, len(order)) for s in df["stage"]]
    assert ranks == sorted(ranks)
    assert not df.set_index("check").loc["t_lazy_fail", "passed"]
    md = (res / "tables" / "theory_checks.md").read_text()
    assert "t_lazy_fail" in md and "FAIL" in md
    prov = io.load_json(res / "tables" / "provenance.json")
    assert prov["config"]["data"]["circle"]["n_train"] == 16
    assert prov["config_hash"] == provenance.config_hash(prov["config"])
    wall = pd.read_csv(res / "tables" / "wall_times.csv").set_index("rule")
    assert wall.loc["data_synthetic", "jobs"] == 3 and wall.loc["data_images", "jobs"] == 2
    n_bench = len([p for p in (res / "benchmarks").rglob("*.tsv") if "report" not in p.parts])
    assert wall["jobs"].sum() == n_bench and not any(r.startswith("?") for r in wall.index)
    outputs = pd.read_csv(res / "tables" / "provenance_outputs.csv")
    assert "data" in set(outputs["folder"]) and outputs["device"].str.len().min() > 0


@pytest.mark.slow
def test_strict_fails_naming_the_check(reported, tmp_path):
    workdir, config, _, _ = reported
    copy = _copy_run(workdir, tmp_path / "strict")
    cfg = load_yaml(config)
    cfg["strict"] = True
    proc = _make_report(copy, write_config(tmp_path, cfg), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "strict: true and theory checks failed" in out and "t_lazy_fail (train)" in out
    assert "t_fourier_ok (" not in out.split("strict: true and theory checks failed")[-1]


# ------------------------------------------------------------------------------------- browser
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    """/usr/bin/chromium, installed from Debian's archive (apt-get) when missing."""
    exe = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if exe:
        return exe
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed and installing it needs root (apt-get install chromium)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
        assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return "/usr/bin/chromium"


def _browse(exe: str, page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    profile.mkdir()
    cmd = [
        exe,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        *args,
        page.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-3000:]}"
    return proc


@pytest.mark.slow
@pytest.mark.browser
def test_report_in_browser_shows_verdict_table(reported, tmp_path):
    workdir, _, _, _ = reported
    res = workdir / "results"
    page = res / "report.html"
    exe = _chromium()
    shot = res / "report_screenshot.png"
    _browse(exe, page, tmp_path, "--window-size=1600,1100", f"--screenshot={shot}")
    dom = _browse(exe, page, tmp_path, "--dump-dom").stdout
    print(f"screenshot: {shot}")

    from PIL import Image, ImageStat

    img = Image.open(shot).convert("L")
    assert img.size == (1600, 1100) and ImageStat.Stat(img).stddev[0] > 20  # not a blank page
    # The report is a React single-page app; its landing page shows workflow/report/workflow.rst
    # with the verdict table. Drop the <script> blocks (they hold the same text as JSON) and look
    # at what the page rendered.
    rendered = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)
    assert re.search(r'id="loading-screen"[^>]*style="display: none;?"', rendered)
    assert '<table class="verdicts">' in rendered, "verdict table not rendered on the landing page"
    df = rep.read_checks(res / "tables" / "theory_checks.csv")
    for check, verdict in zip(df["check"], df["verdict"]):
        row = re.search(rf'<tr class="(pass|fail|inconclusive)" id="check-{re.escape(check)}">', rendered)
        assert row and row.group(1) == verdict, check
    assert "Theory checks" in rendered and "Provenance" in rendered  # the menu's categories
    # the "Theory checks" category entry: an HTML page embedded as a data URI
    results = json.loads(re.search(r"var results = (\{.*?\});\n", dom, flags=re.S).group(1))
    entry = results[f"{res.name}/report/theory_checks.html"]
    assert entry["labels"] == {"table": "verdicts: prediction vs measurement"} and entry["caption"]
    html_page = base64.b64decode(entry["data_uri"].split("base64,", 1)[1]).decode()
    assert all(f'id="check-{c}"' in html_page for c in df["check"])


def test_every_caption_renders_without_docutils_messages(tmp_path, monkeypatch):
    """Captions are Jinja2 then reStructuredText: no docutils ERROR/WARNING (e.g. |x| read as a
    substitution) in any caption of any stage."""
    import io as _io

    import jinja2
    from docutils.core import publish_parts

    class Placeholder(jinja2.ChainableUndefined):  # params/wildcards of a job: render as a word
        def __str__(self):
            return "1"

    env = jinja2.Environment(undefined=Placeholder)
    snake = {"config": validate_config(load_yaml(TINY))}
    monkeypatch.chdir(tmp_path)  # the landing page includes the report stage's HTML fragments
    for name in ("stages_fragment.html", "theory_checks_fragment.html", "provenance_fragment.html"):
        (tmp_path / "results" / "report").mkdir(parents=True, exist_ok=True)
        (tmp_path / "results" / "report" / name).write_text("<p>fragment</p>")
    problems = {}
    for path in sorted((ROOT / "workflow" / "report").glob("*.rst")):
        text = env.from_string(path.read_text()).render(snakemake=snake)
        stream = _io.StringIO()
        publish_parts(
            text,
            writer="html",
            settings_overrides={"report_level": 2, "warning_stream": stream, "halt_level": 5},
        )
        # `name`_ links to report entries and categories are targets Snakemake's report defines
        lines = [m for m in stream.getvalue().splitlines() if m.strip() and "Unknown target name" not in m]
        if lines:
            problems[path.name] = lines
    assert not problems, problems
