# Stage convergence: decay rates of the train residual per eigenspace of K(w0) and K_inf against
# -ln(1 - eta lambda), where the linear theory holds (lambda >> ||K_T - K_0||_2), spectral bias.
#   convergence_kinf     per arch: analytic K_inf on the train inputs (neural-tangents, float64)
#   convergence_fit      per (arch, width): eigenspaces, projections, rate fits (numpy; all seeds)
#   convergence_summary  rate table, theory checks, figures

from pipeline.stages.convergence import convergence_runs

CONV = config["convergence"]
CONV_RUNS = convergence_runs(config)  # [(arch, width)] from the train section, in config order
CONV_ARCHS = list(dict.fromkeys(a for a, _ in CONV_RUNS))


final_outputs("convergence")  # empty while the train section lists no runs


if CONV_RUNS:  # nothing to analyse while the train section lists no runs

    rule convergence_kinf:
        input:
            # x_train and the arch fields (sidecar) of the arch's first trained width
            train=lambda wc: f"{RESULTS}/train/{wc.arch}/w{min(w for a, w in CONV_RUNS if a == wc.arch)}.npz",
        output:
            npz=f"{RESULTS}/convergence/{{arch}}/kinf.npz",
        params:
            section=CONV,
        wildcard_constraints:
            arch="|".join(CONV_ARCHS) or "NO_ARCH",
        log:
            f"{LOGS}/convergence/{{arch}}_kinf.log",
        benchmark:
            f"{BENCH}/convergence/{{arch}}_kinf.tsv"
        resources:
            mem_mb=1500,
            runtime=5,
        conda:
            "../envs/pipeline.yaml"
        script:
            "../scripts/convergence_kinf.py"

    rule convergence_fit:
        input:
            train=f"{RESULTS}/train/{{arch}}/w{{width}}.npz",
            kinf=f"{RESULTS}/convergence/{{arch}}/kinf.npz",
        output:
            npz=f"{RESULTS}/convergence/{{arch}}/w{{width}}.npz",
            csv=f"{RESULTS}/convergence/{{arch}}/w{{width}}_rates.csv",
        params:
            section=CONV,
        wildcard_constraints:
            arch="|".join(CONV_ARCHS) or "NO_ARCH",
            width=r"[1-9]\d*",
        log:
            f"{LOGS}/convergence/{{arch}}_w{{width}}.log",
        benchmark:
            f"{BENCH}/convergence/{{arch}}_w{{width}}.tsv"
        resources:
            mem_mb=lambda wc: job_mem_mb(config, "convergence_fit", wc),
            runtime=lambda wc: job_runtime_min(config, "convergence_fit", wc),
        conda:
            "../envs/pipeline.yaml"
        script:
            "../scripts/convergence_fit.py"

    rule convergence_summary:
        input:
            csvs=[f"{RESULTS}/convergence/{a}/w{w}_rates.csv" for a, w in CONV_RUNS],
            npzs=[f"{RESULTS}/convergence/{a}/w{w}.npz" for a, w in CONV_RUNS],
            kinfs=[f"{RESULTS}/convergence/{a}/kinf.npz" for a in CONV_ARCHS],
        output:
            table=f"{RESULTS}/tables/convergence_rates.csv",
            table_md=f"{RESULTS}/tables/convergence_rates.md",
            checks=f"{RESULTS}/checks/convergence.csv",
            fig_rate_error=report(
                f"{RESULTS}/figures/convergence/rate_error.png",
                caption="../report/convergence_rate_error.rst",
                category=report_category("convergence"),
                subcategory="Figures",
                labels={"figure": "rate error vs eigenvalue / kernel drift"},
            ),
            fig_spectral_bias=report(
                f"{RESULTS}/figures/convergence/spectral_bias.png",
                caption="../report/convergence_spectral_bias.rst",
                category=report_category("convergence"),
                subcategory="Figures",
                labels={"figure": "residual per harmonic vs step"},
            ),
            fig_spectrum=report(
                f"{RESULTS}/figures/convergence/spectrum.png",
                caption="../report/convergence_spectrum.rst",
                category=report_category("convergence"),
                subcategory="Figures",
                labels={"figure": "NTK eigenvalue per harmonic"},
            ),
            fig_loss_curves=report(
                f"{RESULTS}/figures/convergence/loss_curves.png",
                caption="../report/convergence_loss_curves.rst",
                category=report_category("convergence"),
                subcategory="Figures",
                labels={"figure": "predicted vs measured loss"},
            ),
        params:
            section=CONV,
            runs=CONV_RUNS,
            archs=CONV_ARCHS,
        log:
            f"{LOGS}/convergence/summary.log",
        benchmark:
            f"{BENCH}/convergence/summary.tsv"
        resources:
            mem_mb=1500,
            runtime=5,
        conda:
            "../envs/pipeline.yaml"
        script:
            "../scripts/convergence_summary.py"

    final_outputs("convergence", rules.convergence_summary)
