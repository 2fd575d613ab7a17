# Stage train: full-batch GD over a width sweep (lazy training, kernel drift, the linearised model)
# and Jacot et al. 2018 Fig. 1.
#   train               one job per (arch, width): ALL seeds vmapped in one jitted program (lax.scan
#                       over steps), the linearised model beside it; results/train/{arch}/w{width}.npz
#   train_summary       table, fitted exponents, theory checks, figures
#   train_jacot         one job per width: Theta(x0, x) at t = 0 and after the GD steps
#   train_jacot_figure  the figure, with the analytic limit (neural-tangents) overlaid

from pipeline.stages.train import train_runs

TRAIN = config["train"]
TRAIN_RUNS = train_runs(TRAIN)  # [(arch, width)] in config order
JACOT = TRAIN["jacot"]
JACOT_WIDTHS = sorted(set(JACOT["widths"])) if JACOT["enabled"] else []


rule train:
    input:
        data=lambda wc: f"{RESULTS}/data/{TRAIN['archs'][wc.arch]['dataset']}.npz",
    output:
        npz=f"{RESULTS}/train/{{arch}}/w{{width}}.npz",
        meta=f"{RESULTS}/train/{{arch}}/w{{width}}.npz.json",
    params:
        section=TRAIN,
        seed=config["seed"],
        x64=config["x64"],
    wildcard_constraints:
        arch="|".join(TRAIN["archs"]),
        width=r"[1-9]\d*",
    log:
        f"{LOGS}/train/{{arch}}_w{{width}}.log",
    benchmark:
        f"{BENCH}/train/{{arch}}_w{{width}}.tsv"
    threads: 2  # XLA uses every core it is given
    priority: 1  # first: the convergence stage and two summaries wait on these (shorter serial tail)
    resources:
        mem_mb=lambda wc: job_mem_mb(config, "train", wc),
        runtime=lambda wc: job_runtime_min(config, "train", wc, gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/train.py"


rule train_summary:
    input:
        runs=[f"{RESULTS}/train/{a}/w{w}.npz" for a, w in TRAIN_RUNS],
    output:
        table=f"{RESULTS}/tables/lazy_training.csv",
        table_md=f"{RESULTS}/tables/lazy_training.md",
        exponents=f"{RESULTS}/tables/lazy_training_exponents.csv",
        checks=f"{RESULTS}/checks/train.csv",
        fig_lazy=report(
            f"{RESULTS}/figures/train/train_lazy_vs_width.png",
            caption="../report/train_lazy_vs_width.rst",
            category=report_category("train"),
            labels={"figure": "weight and NTK change vs width"},
        ),
        fig_heatmap=report(
            f"{RESULTS}/figures/train/train_weights_heatmap.png",
            caption="../report/train_weights_heatmap.rst",
            category=report_category("train"),
            labels={"figure": "first-layer weights, t = 0 vs T"},
        ),
        fig_loss=report(
            f"{RESULTS}/figures/train/train_loss_curves.png",
            caption="../report/train_loss_curves.rst",
            category=report_category("train"),
            labels={"figure": "loss curves by width"},
        ),
        fig_lin=report(
            f"{RESULTS}/figures/train/train_linearized_outputs.png",
            caption="../report/train_linearized_outputs.rst",
            category=report_category("train"),
            labels={"figure": "network vs linearised model"},
        ),
    params:
        section=TRAIN,
        runs=TRAIN_RUNS,
    log:
        f"{LOGS}/train/summary.log",
    benchmark:
        f"{BENCH}/train/summary.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/train_summary.py"


final_outputs("train", rules.train_summary)


if JACOT_WIDTHS:

    rule train_jacot:
        input:
            data=f"{RESULTS}/data/{JACOT['dataset']}.npz",
        output:
            npz=f"{RESULTS}/train/jacot/w{{width}}.npz",
        params:
            section=TRAIN,
            seed=config["seed"],
            x64=config["x64"],
        wildcard_constraints:
            width=r"[1-9]\d*",
        log:
            f"{LOGS}/train/jacot_w{{width}}.log",
        benchmark:
            f"{BENCH}/train/jacot_w{{width}}.tsv"
        threads: 2
        resources:
            # (depth - 1) m^2 hidden weights per init, x3: parameters, initial copy, gradients
            mem_mb=lambda wc: job_mem_mb(config, "train_jacot", wc),
            runtime=lambda wc: job_runtime_min(config, "train_jacot", wc, gpu=True),
            gpu=1,
        conda:
            "../envs/pipeline.yaml"
        script:
            "../scripts/train_jacot.py"

    rule train_jacot_figure:
        input:
            runs=expand(f"{RESULTS}/train/jacot/w{{width}}.npz", width=JACOT_WIDTHS),
        output:
            fig=report(
                f"{RESULTS}/figures/train/train_jacot_fig1.png",
                caption="../report/train_jacot_fig1.rst",
                category=report_category("train"),
                labels={"figure": "Jacot et al. 2018 Fig. 1"},
            ),
        params:
            section=TRAIN,
        log:
            f"{LOGS}/train/jacot_figure.log",
        benchmark:
            f"{BENCH}/train/jacot_figure.tsv"
        resources:
            mem_mb=1500,
            runtime=5,
        conda:
            "../envs/pipeline.yaml"
        script:
            "../scripts/train_jacot_figure.py"

    final_outputs("train", rules.train_jacot_figure)
