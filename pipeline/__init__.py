"""ntk-pipeline: the Neural Tangent Kernel, measured against theory.

Modules (one job each):
    nt_compat     the only importer of neural-tangents (patched for jax 0.5.3, no TensorFlow)
    provenance    versions, git commit, device, config hash
    io            atomic writers/readers for npz/json/csv/png with a provenance sidecar
    checks        theory-check records (one row per prediction vs measurement)
    plotting      one seaborn style for every figure
    progress      progress/ETA logging for long jobs
    models        NTK-parameterised MLPs (neural-tangents conventions)
    parameterisations  NTK / standard / muP init, multipliers and per-layer optax learning rates;
                  the alpha-centred model (lazy vs rich)
    datasets      circle / sphere / Gaussian-product / image data sets
    config        config validation with clear errors
    real_datasets     scikit-learn's bundled small sets: seeded split, input normalisation
    kernel_pca        non-centred kernel PCA with the 1/N normalisation; g/h decomposition of a GD path
    kernel_regression kernel ridge (CV ridge), kernel GD predictor, scores, prediction gaps
    sphere_spectrum  Funk-Hecke eigenvalues of zonal kernels on S^(d-1), multiplicities, Gram spectra
"""

__version__ = "0.1.0"
