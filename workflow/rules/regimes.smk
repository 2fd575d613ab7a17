# Stage regimes: lazy vs rich training and the NTK / standard / muP parameterisations.
#   regimes_circle   the output-scale (alpha) sweep of the seed's net and the width sweep per
#                    parameterisation, both on the circle task (one process: JAX starts once)
#   regimes_mup      the muP coordinate check and the learning-rate transfer on the 8x8 digits
#                    (the checked optimiser, Adam by default, and the SGD sweep reported beside it)
#   regimes_teacher  Chizat et al.'s teacher-student generalisation vs initialisation scale tau
#   regimes_summary  tidy tables, fitted slopes, theory checks, figures
# Seeds (and alphas, learning rates, taus) are vmapped inside each job; widths are a loop.

REGIMES = config["regimes"]


rule regimes_circle:
    input:
        data=f"{RESULTS}/data/circle.npz",
    output:
        alpha=f"{RESULTS}/regimes/alpha.npz",
        width=f"{RESULTS}/regimes/width.npz",
    params:
        section=REGIMES,
        seed=config["seed"],
    log:
        f"{LOGS}/regimes/circle.log",
    benchmark:
        f"{BENCH}/regimes/circle.tsv"
    resources:
        mem_mb=job_mem_mb(config, "regimes_circle"),
        runtime=job_runtime_min(config, "regimes_circle", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/regimes_circle.py"


rule regimes_mup:
    output:
        coord=f"{RESULTS}/regimes/coord.npz",
        lr=f"{RESULTS}/regimes/lr.npz",
        lr_sgd=f"{RESULTS}/regimes/lr_sgd.npz",
    params:
        section=REGIMES,
        seed=config["seed"],
    log:
        f"{LOGS}/regimes/mup.log",
    benchmark:
        f"{BENCH}/regimes/mup.tsv"
    resources:
        mem_mb=job_mem_mb(config, "regimes_mup"),
        runtime=job_runtime_min(config, "regimes_mup", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/regimes_mup.py"


rule regimes_teacher:
    output:
        teacher=f"{RESULTS}/regimes/teacher.npz",
    params:
        section=REGIMES,
        seed=config["seed"],
    log:
        f"{LOGS}/regimes/teacher.log",
    benchmark:
        f"{BENCH}/regimes/teacher.tsv"
    resources:
        mem_mb=job_mem_mb(config, "regimes_teacher"),
        runtime=job_runtime_min(config, "regimes_teacher", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/regimes_teacher.py"


rule regimes_summary:
    input:
        alpha=f"{RESULTS}/regimes/alpha.npz",
        width=f"{RESULTS}/regimes/width.npz",
        coord=f"{RESULTS}/regimes/coord.npz",
        lr=f"{RESULTS}/regimes/lr.npz",
        lr_sgd=f"{RESULTS}/regimes/lr_sgd.npz",
        teacher=f"{RESULTS}/regimes/teacher.npz",
    output:
        table_alpha=f"{RESULTS}/tables/regimes_alpha.csv",
        table_width=f"{RESULTS}/tables/regimes_width.csv",
        table_coord=f"{RESULTS}/tables/regimes_coord.csv",
        table_lr=f"{RESULTS}/tables/regimes_lr.csv",
        table_teacher=f"{RESULTS}/tables/regimes_teacher.csv",
        exponents=f"{RESULTS}/tables/regimes_exponents.csv",
        checks=f"{RESULTS}/checks/regimes.csv",
        fig_alpha=report(
            f"{RESULTS}/figures/regimes/alpha_sweep.png",
            caption="../report/regimes_alpha_sweep.rst",
            category=report_category("regimes"),
            labels={"figure": "lazy vs rich: alpha sweep"},
        ),
        fig_width=report(
            f"{RESULTS}/figures/regimes/width_sweep.png",
            caption="../report/regimes_width_sweep.rst",
            category=report_category("regimes"),
            labels={"figure": "feature change vs width"},
        ),
        fig_coord=report(
            f"{RESULTS}/figures/regimes/coord_check.png",
            caption="../report/regimes_coord_check.rst",
            category=report_category("regimes"),
            labels={"figure": "muP coordinate check"},
        ),
        fig_lr=report(
            f"{RESULTS}/figures/regimes/lr_transfer.png",
            caption="../report/regimes_lr_transfer.rst",
            category=report_category("regimes"),
            labels={"figure": "learning-rate transfer"},
        ),
        fig_teacher=report(
            f"{RESULTS}/figures/regimes/teacher_student.png",
            caption="../report/regimes_teacher_student.rst",
            category=report_category("regimes"),
            labels={"figure": "teacher-student vs init scale"},
        ),
    params:
        section=REGIMES,
    log:
        f"{LOGS}/regimes/summary.log",
    benchmark:
        f"{BENCH}/regimes/summary.tsv"
    resources:
        mem_mb=1500,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/regimes_summary.py"


final_outputs("regimes", rules.regimes_summary)
