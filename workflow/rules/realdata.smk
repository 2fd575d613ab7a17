# Stage realdata: scikit-learn's bundled real data sets (report category "Real data").
#   realdata_data        every set: seeded split, features standardised with the training statistics
#   realdata_fig3        Jacot et al.'s Fig. 3 (pipeline/stages/realdata_fig3.py): analytic NTK of the
#                        depth-4 net on N digits of two classes (f^(2) defined), kernel PCA (1/N); per
#                        width, GD towards f* = f(0) + a f^(2): g_t / h_t, the linearised net, kernel growth
#   realdata_regression  one job per set (pipeline/stages/realdata_regression.py): NTK / NNGP regression
#                        per input convention (CV ridge), trained nets, sklearn baselines on standardised z
# data and fig3 are one job each, not one per set / width: a job's start (Python, JAX, scikit-learn,
# pandas imports) costs more than their compute at the default sizes; the regression jobs balance
# the two cores against fig3.
#   realdata_summary     tables, checks (pc_straight_line, pc_training_deviation, pc_decay_rate,
#                        wide_net_matches_ntk_regression), figures

REALDATA = config["realdata"]
REALDATA_SETS = list(dict.fromkeys(["digits"] + list(REALDATA["datasets"])))


rule realdata_data:
    output:
        npz=expand(f"{RESULTS}/realdata/data/{{d}}.npz", d=REALDATA_SETS),
        meta=expand(f"{RESULTS}/realdata/data/{{d}}.npz.json", d=REALDATA_SETS),
    params:
        section=REALDATA,
        names=REALDATA_SETS,
        seed=config["seed"],
    log:
        f"{LOGS}/realdata/data.log",
    benchmark:
        f"{BENCH}/realdata/data.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/realdata_data.py"


rule realdata_fig3:
    input:
        data=f"{RESULTS}/realdata/data/digits.npz",
    output:
        npz=f"{RESULTS}/realdata/fig3.npz",
    params:
        section=REALDATA,
        seed=config["seed"],
        x64=config["x64"],
    log:
        f"{LOGS}/realdata/fig3.log",
    benchmark:
        f"{BENCH}/realdata/fig3.tsv"
    resources:
        mem_mb=job_mem_mb(config, "realdata_fig3"),
        runtime=job_runtime_min(config, "realdata_fig3", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/realdata_fig3.py"


rule realdata_regression:
    input:
        data=f"{RESULTS}/realdata/data/{{dataset}}.npz",
    output:
        npz=f"{RESULTS}/realdata/regression_{{dataset}}.npz",
    params:
        section=REALDATA,
        seed=config["seed"],
        x64=config["x64"],
    wildcard_constraints:
        dataset="digits|breast_cancer|wine|iris|diabetes",
    log:
        f"{LOGS}/realdata/regression_{{dataset}}.log",
    benchmark:
        f"{BENCH}/realdata/regression_{{dataset}}.tsv"
    resources:
        mem_mb=lambda wc: job_mem_mb(config, "realdata_regression", wc),
        runtime=lambda wc: job_runtime_min(config, "realdata_regression", wc, gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/realdata_regression.py"


rule realdata_summary:
    input:
        data=expand(f"{RESULTS}/realdata/data/{{d}}.npz", d=REALDATA_SETS),
        fig3=f"{RESULTS}/realdata/fig3.npz",
        regression=expand(f"{RESULTS}/realdata/regression_{{d}}.npz", d=REALDATA["datasets"]),
    output:
        datasets=f"{RESULTS}/tables/realdata_datasets.csv",
        eigenvalues=f"{RESULTS}/tables/realdata_pca_eigenvalues.csv",
        fig3=f"{RESULTS}/tables/realdata_fig3.csv",
        accuracy=f"{RESULTS}/tables/realdata_accuracy.csv",
        accuracy_summary=f"{RESULTS}/tables/realdata_accuracy_summary.csv",
        net_gap=f"{RESULTS}/tables/realdata_net_gap.csv",
        checks=f"{RESULTS}/checks/realdata.csv",
        fig_pca=report(
            f"{RESULTS}/figures/realdata/kernel_pca.png",
            caption="../report/realdata_kernel_pca.rst",
            category=report_category("realdata"),
            labels={"figure": "kernel PCA of the NTK on digits"},
        ),
        fig_path=report(
            f"{RESULTS}/figures/realdata/function_path.png",
            caption="../report/realdata_function_path.rst",
            category=report_category("realdata"),
            labels={"figure": "GD path in function space (Jacot Fig. 3)"},
        ),
        fig_regression=report(
            f"{RESULTS}/figures/realdata/regression.png",
            caption="../report/realdata_regression.rst",
            category=report_category("realdata"),
            labels={"figure": "NTK regression vs nets vs baselines"},
        ),
    params:
        section=REALDATA,
        data_names=REALDATA_SETS,
    log:
        f"{LOGS}/realdata/summary.log",
    benchmark:
        f"{BENCH}/realdata/summary.tsv"
    resources:
        mem_mb=1500,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/realdata_summary.py"


final_outputs("realdata", rules.realdata_summary)
