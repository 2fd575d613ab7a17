# Shared by all rule files. The final-output registry (snakemake-workflows' get_final_output()).
#
# A rule file ends with   final_outputs("<stage>", rules.<rule>, ...)   naming the rules whose
# outputs are the stage's final products: every output of those rules becomes a target of rule all
# (and an input of the report), and the output named `checks` joins CHECK_FILES (merged by the
# report into the verdict table). No path is typed twice.

from pipeline.cost_model import job_mem_mb, job_runtime_min  # resources: from the cost model
from pipeline.stages import report_category  # category= of every report(): "01 Data", ...

TARGETS = {}  # stage -> final outputs of that stage
CHECK_FILES = []  # results/checks/<stage>.csv of every stage


def final_outputs(stage, *rule_objs):
    """Register the outputs of ``rule_objs`` (rules without wildcards) as ``stage``'s final outputs."""
    paths = TARGETS.setdefault(stage, [])
    for r in rule_objs:
        paths.extend(str(p) for p in r.output)
        checks = getattr(r.output, "checks", None)
        if checks is not None:
            CHECK_FILES.append(str(checks))
    return paths


def route_gpu_rules(env_var="NTK_SLURM_GPU_PARTITION"):
    """On SLURM, send every job of the rules that declare resources gpu > 0 to the partition named
    by ``env_var``, or leave the jobs' default partition when it is unset. Read from the rules
    themselves, so a new stage's GPU rules need no list anywhere. The variable wins over the
    profile's default partition (and over --set-resources: unset it to place GPU jobs by hand)."""
    partition = os.environ.get(env_var)
    if not partition:
        return
    for r in workflow.rules:
        gpu = r.resources["gpu"].value if "gpu" in r.resources else 0
        if not callable(gpu) and gpu:  # over the profile's default slurm_partition
            r.resources["slurm_partition"] = partition
