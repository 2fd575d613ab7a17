# Stage fourier: Fourier-feature image regression (Tancik et al. 2020) and the NTK of the mappings.
#   fourier_train      one image set x one mapping (all images of the set vmapped)  -> fourier/<set>/<mapping>.npz
#   fourier_sweep      Gaussian (sigma) or positional (s) mapping at one scale       -> fourier/sweep/<set>/<mapping>_scale<v>.npz
#   fourier_ntk        analytic NTK of the mapped 1D inputs, power-law 1D demo       -> fourier/ntk_mappings.npz + figures
#   fourier_summary  PSNR tables (beside the paper's Table 1), figures, theory checks

FOURIER = config["fourier"]
FOURIER_SWEEP = [
    f"{m}_scale{v:g}"
    for m, key in (("gaussian", "sigmas"), ("positional", "pe_scales"))
    for v in FOURIER["sweep"][key]
]
FOURIER_BIG = config["data"]["images"]["resolution"] > 128  # paper scale: GPU-sized jobs


rule fourier_train:
    input:
        data=f"{RESULTS}/data/images_{{imageset}}.npz",
    output:
        npz=f"{RESULTS}/fourier/{{imageset}}/{{mapping}}.npz",
        meta=f"{RESULTS}/fourier/{{imageset}}/{{mapping}}.npz.json",
    params:
        section=FOURIER,
        seed=config["seed"],
    wildcard_constraints:
        imageset="natural|text",
        mapping="none|basic|positional|gaussian",
    log:
        f"{LOGS}/fourier/{{imageset}}_{{mapping}}.log",
    benchmark:
        f"{BENCH}/fourier/{{imageset}}_{{mapping}}.tsv"
    resources:
        gpu=1,
        mem_mb=lambda wc: job_mem_mb(config, "fourier_train", wc),
        runtime=lambda wc: job_runtime_min(config, "fourier_train", wc, gpu=True),
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/fourier_train.py"


rule fourier_sweep:
    input:
        data=f"{RESULTS}/data/images_{{imageset}}.npz",
    output:
        npz=f"{RESULTS}/fourier/sweep/{{imageset}}/{{mapping}}_scale{{scale}}.npz",
        meta=f"{RESULTS}/fourier/sweep/{{imageset}}/{{mapping}}_scale{{scale}}.npz.json",
    params:
        section=FOURIER,
        seed=config["seed"],
    wildcard_constraints:
        imageset="natural|text",
        mapping="gaussian|positional",
        scale=r"[0-9.e+-]+",
    log:
        f"{LOGS}/fourier/sweep_{{imageset}}_{{mapping}}_scale{{scale}}.log",
    benchmark:
        f"{BENCH}/fourier/sweep_{{imageset}}_{{mapping}}_scale{{scale}}.tsv"
    resources:
        gpu=1,
        mem_mb=lambda wc: job_mem_mb(config, "fourier_sweep", wc),
        runtime=lambda wc: job_runtime_min(config, "fourier_sweep", wc, gpu=True),
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/fourier_sweep.py"


rule fourier_ntk:
    output:
        npz=f"{RESULTS}/fourier/ntk_mappings.npz",
        fig_kernels=report(
            f"{RESULTS}/figures/fourier/ntk_mappings.png",
            caption="../report/fourier_ntk_mappings.rst",
            category=report_category("fourier"),
            labels={"figure": "NTK of the mappings"},
        ),
        fig_demo=report(
            f"{RESULTS}/figures/fourier/power_law_regression.png",
            caption="../report/fourier_power_law_regression.rst",
            category=report_category("fourier"),
            labels={"figure": "1D power-law mappings"},
        ),
    params:
        section=FOURIER,
        seed=config["seed"],
    log:
        f"{LOGS}/fourier/ntk_mappings.log",
    benchmark:
        f"{BENCH}/fourier/ntk_mappings.tsv"
    resources:
        gpu=1,
        mem_mb=job_mem_mb(config, "fourier_ntk"),
        runtime=job_runtime_min(config, "fourier_ntk", gpu=True),
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/fourier_ntk.py"


rule fourier_summary:
    input:
        runs=expand(f"{RESULTS}/fourier/{{s}}/{{m}}.npz", s=FOURIER["imagesets"], m=FOURIER["mappings"]),
        sweep=expand(
            f"{RESULTS}/fourier/sweep/{{s}}/{{g}}.npz", s=FOURIER["sweep"]["imagesets"], g=FOURIER_SWEEP
        ),
        ntk=f"{RESULTS}/fourier/ntk_mappings.npz",
        data=expand(f"{RESULTS}/data/images_{{s}}.npz", s=FOURIER["imagesets"]),
    output:
        table=f"{RESULTS}/tables/fourier_psnr.csv",
        table_md=f"{RESULTS}/tables/fourier_psnr.md",
        table_images=f"{RESULTS}/tables/fourier_psnr_images.csv",
        table_gaps=f"{RESULTS}/tables/fourier_gaps.csv",
        table_sweep=f"{RESULTS}/tables/fourier_sweep.csv",
        fig_recon=report(
            f"{RESULTS}/figures/fourier/reconstructions.png",
            caption="../report/fourier_reconstructions.rst",
            category=report_category("fourier"),
            labels={"figure": "reconstructions"},
        ),
        fig_sweep=report(
            f"{RESULTS}/figures/fourier/scale_sweep.png",
            caption="../report/fourier_scale_sweep.rst",
            category=report_category("fourier"),
            labels={"figure": "scale sweep"},
        ),
        fig_curves=report(
            f"{RESULTS}/figures/fourier/training_curves.png",
            caption="../report/fourier_training_curves.rst",
            category=report_category("fourier"),
            labels={"figure": "training curves"},
        ),
        checks=f"{RESULTS}/checks/fourier.csv",
    params:
        section=FOURIER,
        imagesets=FOURIER["imagesets"],
    log:
        f"{LOGS}/fourier/summary.log",
    benchmark:
        f"{BENCH}/fourier/summary.tsv"
    resources:
        mem_mb=8000 if FOURIER_BIG else 2000,
        runtime=10,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/fourier_summary.py"


final_outputs("fourier", rules.fourier_ntk, rules.fourier_summary)
