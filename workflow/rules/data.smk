# Stage 1: data sets. Synthetic sets (circle, sphere, gaussian_product) and image sets
# (natural, text) as .npz arrays with a provenance sidecar <file>.json.
#   data_synthetic  one job per synthetic set
#   data_images     one job per image set
#   data_figure     what the data sets look like (report category "Data")

SYNTHETIC = ["circle", "sphere", "gaussian_product"]
IMAGE_SETS = ["natural", "text"]


rule data_synthetic:
    output:
        npz=f"{RESULTS}/data/{{dataset}}.npz",
        meta=f"{RESULTS}/data/{{dataset}}.npz.json",
    params:
        section=lambda wc: config["data"][wc.dataset],
        seed=config["seed"],
    wildcard_constraints:
        dataset="|".join(SYNTHETIC),
    log:
        f"{LOGS}/data/{{dataset}}.log",
    benchmark:
        f"{BENCH}/data/{{dataset}}.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/data_synthetic.py"


rule data_images:
    output:
        npz=f"{RESULTS}/data/images_{{imageset}}.npz",
        meta=f"{RESULTS}/data/images_{{imageset}}.npz.json",
    params:
        section=config["data"]["images"],
        seed=config["seed"],
    wildcard_constraints:
        imageset="|".join(IMAGE_SETS),
    log:
        f"{LOGS}/data/images_{{imageset}}.log",
    benchmark:
        f"{BENCH}/data/images_{{imageset}}.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/data_images.py"


rule data_figure:
    input:
        synthetic=expand(f"{RESULTS}/data/{{d}}.npz", d=SYNTHETIC),
        images=expand(f"{RESULTS}/data/images_{{s}}.npz", s=IMAGE_SETS),
    output:
        fig=report(
            f"{RESULTS}/figures/data/datasets.png",
            caption="../report/data_datasets.rst",
            category=report_category("data"),
            labels={"figure": "the data sets of this run"},
        ),
    params:
        section=config["data"],
    log:
        f"{LOGS}/data/data_figure.log",
    benchmark:
        f"{BENCH}/data/data_figure.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/data_figure.py"


final_outputs("data", rules.data_figure)  # its inputs: every data set
