"""ntk-pipeline: the Neural Tangent Kernel, measured against theory.

Modules (one job each):
    nt_compat     the only importer of neural-tangents (patched for jax 0.5.3, no TensorFlow)
    provenance    versions, git commit, device, config hash
    io            atomic writers/readers for npz/json/csv/png with a provenance sidecar
    checks        theory-check records (one row per prediction vs measurement)
    plotting      one seaborn style for every figure
    progress      progress/ETA logging for long jobs
    models        NTK-parameterised MLPs (neural-tangents conventions)
    datasets      circle / sphere / Gaussian-product / image data sets
    config        config validation with clear errors
"""

__version__ = "0.1.0"
