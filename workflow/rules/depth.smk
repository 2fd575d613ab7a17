# Stage depth: any activation's dual kernels and the depth theory of wide nets.
#   depth_theory   quadrature convergence study, wide-kernel Monte Carlo, fixed points (q*, c*,
#                  chi_1, xi_c, edge of chaos), phase diagram, NTK recursions (numpy float64)
#   depth_nets     finite random nets: gradient norms, pair correlations
#   depth_ntk      finite random nets: empirical NTK vs depth in both phases
#   depth_gauss    many small nets at init: E[f^4] / (3 E[f^2]^2) (Hanin & Rolnick)
#   depth_trainability  training accuracy on depth x sw2 with 6 xi_c (Schoenholz Fig. 5; reported)
#   depth_summary  tables, theory checks, figures

DEPTH = config["depth"]


rule depth_theory:
    output:
        npz=f"{RESULTS}/depth/theory.npz",
    params:
        section=DEPTH,
        seed=config["seed"],
    log:
        f"{LOGS}/depth/theory.log",
    benchmark:
        f"{BENCH}/depth/theory.tsv"
    resources:
        mem_mb=job_mem_mb(config, "depth_theory"),
        runtime=job_runtime_min(config, "depth_theory"),
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/depth_theory.py"


rule depth_nets:
    output:
        npz=f"{RESULTS}/depth/nets.npz",
    params:
        section=DEPTH,
        seed=config["seed"],
    log:
        f"{LOGS}/depth/nets.log",
    benchmark:
        f"{BENCH}/depth/nets.tsv"
    resources:
        mem_mb=job_mem_mb(config, "depth_nets"),
        runtime=job_runtime_min(config, "depth_nets", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/depth_nets.py"


rule depth_ntk:
    output:
        npz=f"{RESULTS}/depth/ntk.npz",
    params:
        section=DEPTH,
        seed=config["seed"],
    log:
        f"{LOGS}/depth/ntk.log",
    benchmark:
        f"{BENCH}/depth/ntk.tsv"
    resources:
        mem_mb=job_mem_mb(config, "depth_ntk"),
        runtime=job_runtime_min(config, "depth_ntk", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/depth_ntk.py"


rule depth_gauss:
    output:
        npz=f"{RESULTS}/depth/gauss.npz",
    params:
        section=DEPTH,
        seed=config["seed"],
    log:
        f"{LOGS}/depth/gauss.log",
    benchmark:
        f"{BENCH}/depth/gauss.tsv"
    resources:
        mem_mb=job_mem_mb(config, "depth_gauss"),
        runtime=job_runtime_min(config, "depth_gauss", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/depth_gauss.py"


rule depth_summary:
    input:
        theory=f"{RESULTS}/depth/theory.npz",
        nets=f"{RESULTS}/depth/nets.npz",
        ntk=f"{RESULTS}/depth/ntk.npz",
        gauss=f"{RESULTS}/depth/gauss.npz",
    output:
        quadrature=f"{RESULTS}/tables/depth_quadrature.csv",
        wide=f"{RESULTS}/tables/depth_wide_kernel.csv",
        theory=f"{RESULTS}/tables/depth_theory.csv",
        xi=f"{RESULTS}/tables/depth_xi.csv",
        ntk=f"{RESULTS}/tables/depth_ntk.csv",
        nongauss=f"{RESULTS}/tables/depth_nongauss.csv",
        checks=f"{RESULTS}/checks/depth.csv",
        fig_quadrature=report(
            f"{RESULTS}/figures/depth/quadrature.png",
            caption="../report/depth_quadrature.rst",
            category=report_category("depth"),
            labels={"figure": "dual-kernel quadrature"},
        ),
        fig_propagation=report(
            f"{RESULTS}/figures/depth/propagation.png",
            caption="../report/depth_propagation.rst",
            category=report_category("depth"),
            labels={"figure": "signal propagation"},
        ),
        fig_phase=report(
            f"{RESULTS}/figures/depth/phase_diagram.png",
            caption="../report/depth_phase_diagram.rst",
            category=report_category("depth"),
            labels={"figure": "phase diagram"},
        ),
        fig_ntk=report(
            f"{RESULTS}/figures/depth/ntk.png",
            caption="../report/depth_ntk.rst",
            category=report_category("depth"),
            labels={"figure": "large-depth NTK"},
        ),
        fig_nongauss=report(
            f"{RESULTS}/figures/depth/nongauss.png",
            caption="../report/depth_nongauss.rst",
            category=report_category("depth"),
            labels={"figure": "non-Gaussianity at init"},
        ),
    params:
        section=DEPTH,
        seed=config["seed"],
    log:
        f"{LOGS}/depth/summary.log",
    benchmark:
        f"{BENCH}/depth/summary.tsv"
    resources:
        mem_mb=1500,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/depth_summary.py"


rule depth_trainability:
    output:
        npz=f"{RESULTS}/depth/trainability.npz",
        table=f"{RESULTS}/tables/depth_trainability.csv",
        fig=report(
            f"{RESULTS}/figures/depth/trainability.png",
            caption="../report/depth_trainability.rst",
            category=report_category("depth"),
            labels={"figure": "trainability"},
        ),
    params:
        section=DEPTH,
        seed=config["seed"],
    log:
        f"{LOGS}/depth/trainability.log",
    benchmark:
        f"{BENCH}/depth/trainability.tsv"
    resources:
        mem_mb=job_mem_mb(config, "depth_trainability"),
        runtime=job_runtime_min(config, "depth_trainability", gpu=True),
        gpu=1,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/depth_trainability.py"


final_outputs("depth", rules.depth_summary, rules.depth_trainability)
