# Stage spectra: eigenvalues of the limiting NTK / NNGP on the sphere (spectral bias) and the
# learning time of each frequency on the circle.
#   spectra_analytic  Funk-Hecke mu_k per (d, depth, bias, kernel) with per-degree quadrature error, circle check
#   spectra_gram      Gram / N eigenvalues on uniform random points vs mu_k, over N and draws
#   spectra_learning  GD of a wide ReLU net with bias on the circle; e-fold step per harmonic
#   spectra_summary   tables, theory checks, figures

SPECTRA = config["spectra"]


rule spectra_analytic:
    output:
        npz=f"{RESULTS}/spectra/analytic.npz",
    params:
        section=SPECTRA,
    log:
        f"{LOGS}/spectra/analytic.log",
    benchmark:
        f"{BENCH}/spectra/analytic.tsv"
    resources:
        mem_mb=job_mem_mb(config, "spectra_analytic"),
        runtime=job_runtime_min(config, "spectra_analytic"),
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/spectra_analytic.py"


rule spectra_gram:
    input:
        analytic=f"{RESULTS}/spectra/analytic.npz",
    output:
        npz=f"{RESULTS}/spectra/gram.npz",
    params:
        section=SPECTRA,
        seed=config["seed"],
    log:
        f"{LOGS}/spectra/gram.log",
    benchmark:
        f"{BENCH}/spectra/gram.tsv"
    resources:
        mem_mb=job_mem_mb(config, "spectra_gram"),
        runtime=job_runtime_min(config, "spectra_gram"),
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/spectra_gram.py"


rule spectra_learning:
    output:
        npz=f"{RESULTS}/spectra/learning.npz",
    params:
        section=SPECTRA,
        seed=config["seed"],
        x64=config["x64"],
    log:
        f"{LOGS}/spectra/learning.log",
    benchmark:
        f"{BENCH}/spectra/learning.tsv"
    resources:
        mem_mb=job_mem_mb(config, "spectra_learning"),
        runtime=job_runtime_min(config, "spectra_learning", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/spectra_learning.py"


rule spectra_summary:
    input:
        analytic=f"{RESULTS}/spectra/analytic.npz",
        gram=f"{RESULTS}/spectra/gram.npz",
        learning=f"{RESULTS}/spectra/learning.npz",
    output:
        eigenvalues=f"{RESULTS}/tables/spectra_eigenvalues.csv",
        exponents=f"{RESULTS}/tables/spectra_exponents.csv",
        gram=f"{RESULTS}/tables/spectra_gram.csv",
        learning=f"{RESULTS}/tables/spectra_learning.csv",
        checks=f"{RESULTS}/checks/spectra.csv",
        fig_decay=report(
            f"{RESULTS}/figures/spectra/decay.png",
            caption="../report/spectra_decay.rst",
            category=report_category("spectra"),
            labels={"figure": "eigenvalue decay"},
        ),
        fig_gram=report(
            f"{RESULTS}/figures/spectra/gram.png",
            caption="../report/spectra_gram.rst",
            category=report_category("spectra"),
            labels={"figure": "Gram vs analytic"},
        ),
        fig_learning=report(
            f"{RESULTS}/figures/spectra/learning_time.png",
            caption="../report/spectra_learning_time.rst",
            category=report_category("spectra"),
            labels={"figure": "learning time vs k"},
        ),
    params:
        section=SPECTRA,
    log:
        f"{LOGS}/spectra/summary.log",
    benchmark:
        f"{BENCH}/spectra/summary.tsv"
    resources:
        mem_mb=1500,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/spectra_summary.py"


final_outputs("spectra", rules.spectra_summary)
