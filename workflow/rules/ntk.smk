# Stage ntk: the empirical NTK at initialisation vs its infinite-width limit, over a width sweep.
#   ntk_analytic  our closed-form limit (float64) + neural-tangents' kernel for the check
#   ntk_init      one job per width; ALL seeds of that width vmapped under one jit (a job is ~1 s
#                 of compute at the default sizes, so one process per (width, seed) would spend
#                 most of the stage's time starting Python and JAX)
#   ntk_summary   tidy tables, fitted exponents with CIs, theory checks, figures
#   ntk_depth     the same error at every depth of ntk.depth_sweep (one job), the per-depth
#                 exponents and the NTK diagonal's fluctuation vs depth / width (Hanin & Nica)
#   ntk_activations the error exponent for the net with other activations (ntk.activations.names)

NTK = config["ntk"]


rule ntk_analytic:
    input:
        data=f"{RESULTS}/data/{NTK['dataset']}.npz",
    output:
        npz=f"{RESULTS}/ntk/analytic.npz",
    params:
        section=NTK,
    log:
        f"{LOGS}/ntk/analytic.log",
    benchmark:
        f"{BENCH}/ntk/analytic.tsv"
    resources:
        mem_mb=1500,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/ntk_analytic.py"


rule ntk_init:
    input:
        data=f"{RESULTS}/data/{NTK['dataset']}.npz",
        analytic=f"{RESULTS}/ntk/analytic.npz",
    output:
        npz=f"{RESULTS}/ntk/init_w{{width}}.npz",
    params:
        section=NTK,
        seed=config["seed"],
        x64=config["x64"],
    wildcard_constraints:
        width=r"[1-9]\d*",
    log:
        f"{LOGS}/ntk/init_w{{width}}.log",
    benchmark:
        f"{BENCH}/ntk/init_w{{width}}.tsv"
    resources:
        mem_mb=lambda wc: job_mem_mb(config, "ntk_init", wc),
        runtime=lambda wc: job_runtime_min(config, "ntk_init", wc, gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/ntk_init.py"


rule ntk_summary:
    input:
        inits=expand(f"{RESULTS}/ntk/init_w{{width}}.npz", width=NTK["widths"]),
        analytic=f"{RESULTS}/ntk/analytic.npz",
    output:
        table=f"{RESULTS}/tables/ntk_error.csv",
        exponents=f"{RESULTS}/tables/ntk_error_exponent.csv",
        checks=f"{RESULTS}/checks/ntk.csv",
        fig_error=report(
            f"{RESULTS}/figures/ntk/error_vs_width.png",
            caption="../report/ntk_error_vs_width.rst",
            category=report_category("ntk"),
            labels={"figure": "error vs width"},
        ),
        fig_heatmaps=report(
            f"{RESULTS}/figures/ntk/kernel_heatmaps.png",
            caption="../report/ntk_kernel_heatmaps.rst",
            category=report_category("ntk"),
            labels={"figure": "kernel heat-maps"},
        ),
    params:
        section=NTK,
    log:
        f"{LOGS}/ntk/summary.log",
    benchmark:
        f"{BENCH}/ntk/summary.tsv"
    resources:
        mem_mb=1500,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/ntk_summary.py"


rule ntk_depth:
    input:
        data=f"{RESULTS}/data/{NTK['dataset']}.npz",
    output:
        npz=f"{RESULTS}/ntk/depth.npz",
        table=f"{RESULTS}/tables/ntk_depth.csv",
        exponents=f"{RESULTS}/tables/ntk_depth_exponent.csv",
        checks=f"{RESULTS}/checks/ntk_depth.csv",
        fig=report(
            f"{RESULTS}/figures/ntk/error_vs_width_depth.png",
            caption="../report/ntk_error_vs_width_depth.rst",
            category=report_category("ntk"),
            labels={"figure": "error vs width, by depth"},
        ),
    params:
        section=NTK,
        seed=config["seed"],
        x64=config["x64"],
    log:
        f"{LOGS}/ntk/depth.log",
    benchmark:
        f"{BENCH}/ntk/depth.tsv"
    resources:
        mem_mb=job_mem_mb(config, "ntk_depth"),
        runtime=job_runtime_min(config, "ntk_depth", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/ntk_depth.py"


rule ntk_activations:
    input:
        data=f"{RESULTS}/data/{NTK['dataset']}.npz",
    output:
        npz=f"{RESULTS}/ntk/activations.npz",
        table=f"{RESULTS}/tables/ntk_activations.csv",
        checks=f"{RESULTS}/checks/ntk_activations.csv",
    params:
        section=NTK,
        seed=config["seed"],
        x64=config["x64"],
    log:
        f"{LOGS}/ntk/activations.log",
    benchmark:
        f"{BENCH}/ntk/activations.tsv"
    resources:
        mem_mb=job_mem_mb(config, "ntk_activations"),
        runtime=job_runtime_min(config, "ntk_activations", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/ntk_activations.py"


final_outputs("ntk", rules.ntk_summary, rules.ntk_depth, rules.ntk_activations)
