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
    precision     one scoped float64 switch for every stage
    fits          power-law exponents with a CI over seeds, t-intervals, three-valued verdicts
    ntk_empirical empirical NTK from the layer structure (per-layer parts, tiled, no Jacobian)
    ntk_analytic  closed-form infinite-width NNGP / NTK of an MLPSpec (and neural-tangents' for checks)
    training      full-batch GD vmapped over seeds, with the lazy-training records
    linearized    the linearised network and its GD dynamics
    spectral      kernel eigenspaces and their harmonic labels on circle points
    rate_fit      decay rates of the residual per kernel eigenspace, measured vs predicted
    fourier_features  Fourier-feature input mappings (Tancik et al. 2020)
    fourier_kernels   the NTK of an MLP on Fourier-feature-mapped 1D inputs
    image_regression  coordinate-MLP image regression, jitted and vmapped over images
    cost_model    flops, peak memory and predicted wall time of every job; SLURM resources
    report_rules  parse-time helpers of the report rule (entries, categories, check files)

Stages (``pipeline/stages``, registry in ``stages/__init__.py``): one module per stage with its
rule entries ``rule_<name>`` (``data``, ``ntk`` + ``ntk_depth``, ``train``, ``convergence``,
``fourier``, ``realdata``, ``spectra``, ``regimes``, ``report`` + ``report_render``) and a
``<stage>_plots`` module for its figures.
"""

__version__ = "0.1.0"
