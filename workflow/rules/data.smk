# Stage 1: data sets. Synthetic sets (circle, sphere, gaussian_product) and image sets
# (natural, text) as .npz arrays with a provenance sidecar <file>.json.

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


TARGETS["data"] = expand(f"{RESULTS}/data/{{d}}.npz", d=SYNTHETIC) + expand(
    f"{RESULTS}/data/images_{{s}}.npz", s=IMAGE_SETS
)
