"""Stage depth: any activation's dual kernels and the depth theory of wide nets (signal propagation,
the large-depth NTK, finite-width non-Gaussianity at initialisation).

Conventions: W_ij ~ N(0, sw2 / fan_in), b_i ~ N(0, sb2) (``signal_propagation``); the activation is
``depth.activation`` from the registry ``activations`` (tanh by default); sb2 = ``depth.sigma_b2``.
ReLU-like activations (relu, leaky_relu, gelu, silu, softplus) have no fixed point of the length map
for sw2 >= ~2 (identity, abs: sw2 >= 1): q^l grows without bound and the theory is undefined, so
every rule works on ``bounded_section``: the theory grid cut at its last bounded point and the xi_c /
NTK sw2 values past it dropped (logged; a one-line error naming the key when none is left). They
have no chaotic phase with a finite q* at these sb2 (chi_1 < 1 up to the boundary): the edge of
chaos is then inconclusive (nan) and only ordered-phase NTK checks are made.

Rules (workflow/rules/depth.smk):

- ``depth_theory`` -> ``rule_theory``: results/depth/theory.npz (numpy float64, no nets).
  (1) The Gauss-Hermite convergence study of every registered activation (``dual_kernels``): max
  relative error of k and kdot against the closed form or order ``quadrature.reference_order``
  on the covariances (q1, q2 in {0.05, 0.3, 1, q_max}, 7 correlations), q_max the largest q* the
  stage uses. (2) The wide-kernel Monte Carlo: for every activation and two covariances, S seeds of
  a width-n hidden layer's empirical (1/n) sum_i phi(u_i) phi(v_i) and phi'(u_i) phi'(v_i) against
  the dual kernels. (3) The fixed-point theory (q*, c*, chi_1, chi_c*, xi_q, xi_c, p*, the
  off-diagonal limit) on the sw2 grid, the edge of chaos, the phase diagram (chi_1 on a (sw2, sb2)
  grid and the edge-of-chaos curve, 1-D rules only). (4) The infinite-width correlation
  trajectories and NTK recursions for exactly the finite nets' inputs. (5) ``ntk_recursion`` against
  ``ntk_analytic.limit_kernels`` (relu and erf, a second implementation).
- ``depth_nets`` -> ``rule_nets``: results/depth/nets.npz (jax, float64 when ``nets_x64``).
  Random nets (``random_nets``, sampled exactly in law by Gaussian conditioning: W only ever meets
  a few vectors, so O(n) work per layer): the squared gradient norm per layer over the sw2 grid
  (chi_1; width ``propagation.chi1_width``) and pair correlations c^l of P input pairs (an anchor
  and partners at c* + delta and c* - delta; ordered phase: 1 - delta) for each sw2 of
  ``propagation.xi_sigma_w2`` (width ``propagation.width``).
- ``depth_ntk`` -> ``rule_ntk``: results/depth/ntk.npz: the empirical NTK at every read-out depth
  of ``ntk`` for two inputs at q* (correlation c* in the chaotic phase, ``ntk.c0`` in the ordered
  one), ``ntk.seeds`` nets per depth in float64 (ordered), ``ntk.chaotic_seeds`` in float32
  (chaotic), sampled by Gaussian conditioning (``random_nets.ntk_sampled``).
- ``depth_gauss`` -> ``rule_gauss``: results/depth/gauss.npz (jax float32). s^2 = the read-out's
  conditional variance of ``nongauss.nets`` independent bias-free ReLU nets (He init, sw2 = 2)
  per width and depth, and the same for the stage's activation (reported).
- ``depth_summary`` -> ``rule_summary``: tables, checks (results/checks/depth.csv), figures.
- ``depth_trainability`` -> ``depth_trainability.rule_trainability``: training accuracy after a
  fixed SGD budget on depth x sw2 (sklearn digits), 6 xi_c overlaid (Schoenholz et al. 2017, Fig. 5):
  results/depth/trainability.npz, results/tables/depth_trainability.csv,
  results/figures/depth/trainability.png; reported, not checked.

Measured quantities and checks (``build_checks``; the verdict rule of CONTRIBUTING.md):

- ``activation_quadrature_closed_form`` (identity): the order-``quadrature.order`` rule equals the
  closed form of erf, sin and identity within ``quadrature.rtol`` (relative, max over the study
  grid; the kinked relu family converges only algebraically and is always evaluated by its closed
  form, so it is not held to the rule).
- ``activation_quadrature_converged`` (identity): for every smooth activation without a closed form
  (tanh, sigmoid, gelu, silu, softplus) the order-``order`` rule is within ``rtol`` of the
  order-``reference_order`` rule on the study grid.
- ``depth_ntk_recursion`` (identity): ``signal_propagation.ntk_recursion`` (dual kernels, any
  activation) equals ``ntk_analytic.limit_kernels`` for relu and erf nets within 1e-10.
- ``activation_wide_kernel`` (prediction): the deviation of the empirical dual kernels of a wide
  layer from the quadrature / closed form, relative to the kernel's Cauchy-Schwarz scale
  sqrt(k(q1, q1) k(q2, q2)), is 0 +- ``wide_kernel.rtol`` for every activation, both kernels and
  both covariances (t-interval over seeds; the worst item is reported).
- ``depth_chi1`` (prediction): at every sw2 of the grid the mean over layers of
  ||delta^l||^2 / ||delta^(l+1)||^2 equals chi_1 within ``propagation.chi1_rtol`` (relative;
  t-interval over seeds).
- ``depth_xi_c`` (prediction): the depth scale of correlations at every sw2 of
  ``propagation.xi_sigma_w2`` equals xi_c within ``propagation.xi_rtol`` (relative; 64 pairs per
  net of width 2000). Estimator: the slope of ln |D^l| over the layers ``propagation.fit_layers``,
  in the chaotic phase cut at 2 xi_c (``depth_theory.xi_fit_layers``: past that the chaotic |D^l| is
  buried in finite-width noise; sin at sb2 0.2, xi_c 3.7: [-19%, +6%] fitted to layer 15, [-1.2%,
  +1.4%] to layer 8),
  D^l = mean c^l of the partners started at c* + delta minus that of the partners started at
  c* - delta (chaotic phase; each pair's two partners share its anchor input, ``pair_inputs``, so
  that D^l is a finite difference of one random correlation map: common random numbers, noise
  ~ delta; the even nonlinearity of the map and the finite-width shift of c* cancel; delta 0.02
  leaves <= 1.1% of third-order bias, 0.2 left +4% to +16%), or 1 - mean c^l (ordered phase,
  c* = 1); xi = -1 / slope; 95% bootstrap interval over seeds (no interval, hence inconclusive,
  with fewer than ``MIN_BOOTSTRAP_SEEDS`` = 8 seeds). The same estimator applied to the
  infinite-width trajectories of the same starts measures its bias: beyond xi_rtol / 2 the verdict
  is inconclusive (``at_asymptote``).
- ``depth_edge_of_chaos`` (prediction): the sw2 where the measured chi_1 (linear interpolation of
  the seed means on the grid) crosses 1 is within one grid step of the theory's edge; interval:
  the crossings of the lower and upper t-interval curves.
- ``depth_ntk_ordered_limit`` (prediction): in the ordered phase the limit over depth of the mean
  of all entries of the empirical NTK equals p* = q* / (1 - chi_1) within ``ntk.rtol``.
- ``depth_ntk_chaotic_offdiag`` (prediction): in the chaotic phase the limit over depth of the
  off-diagonal entry (inputs at q*, c*) equals q* c* / (1 - chi_c*) within ``ntk.rtol``.
  Nets: every (seed, read-out depth) is its own width-``ntk.width`` net, sampled exactly in law by
  Gaussian conditioning (``random_nets.ntk_sampled``, O(n) work per layer), so width 2048 costs what
  512 did with full matrices and the chaotic off-diagonal's finite-width bias (O(chi_1^l / n):
  +1.5% at depth 10, +10% at depth 30 at width 512) drops below the noise.
  Estimator of both limits (``depth_ntk_checks.limit_estimate``): the weighted least-squares fit
  A + B r^l of the seed-mean curve over the read-out depths l >= ``ntk.fit_from`` (r = chi_1 in the
  ordered phase, chi_c* in the chaotic one: the theory's rates of approach); in the ordered phase
  A + (B + C l) r^l, since the inputs' transient 1 - c^l decays at chi_1 as well (a double root: the
  one-rate fit's bias on the recursion is -0.93% at the default, the double fit's -0.08%; erf at
  sb2 0.1: -2.8% -> -0.7%); weights 1 / the variance over seeds at each depth, which grows with
  depth, like chi_1^l in the chaotic phase; A the estimate, percentile bootstrap over seeds.
  Reading one depth instead leaves the -1.5% (ordered, depth 30) and -7% (chaotic) approach bias
  and, in the chaotic phase, a wide interval (per-net noise ~ chi_1^l / sqrt(n): 15% at depth 13,
  80% at depth 30, width 2048). Both are measured at their asymptote only (``at_asymptote``): when
  the same fit applied to the infinite-width recursion is farther than ntk.rtol / 2 from the limit
  the verdict is inconclusive and the detail says so. The chaotic phase gets ``ntk.chaotic_seeds``
  nets per read-out depth (128, float32 unless ``ntk.chaotic_x64``) against ``ntk.seeds`` (24,
  float64) in the ordered phase: default intervals +-1.7% (chaotic) and +-1.5% (ordered), rule
  ``depth_ntk`` ~15 s on 2 cores.
- ``depth_nongauss_product`` (prediction): E[f^4] / (3 E[f^2]^2) = prod_l (1 + 5 / n_l) for
  bias-free He ReLU nets at every width of ``nongauss.widths`` and depth 1 .. ``nongauss.depth``,
  within ``nongauss.rtol`` (relative); estimator E[s^4] / E[s^2]^2 (f | hidden ~ N(0, s^2): the
  Gaussian read-out averaged out exactly), 95% bootstrap interval over nets.
- ``depth_nngp_variance`` (prediction): E[f^2] = the NNGP variance (q1 for He ReLU) within
  ``nongauss.rtol`` at every width and depth (t-interval over nets).

Tables: results/tables/depth_quadrature.csv, depth_wide_kernel.csv, depth_theory.csv (per sw2:
theory and measured chi_1), depth_xi.csv, depth_ntk.csv, depth_nongauss.csv.
Figures (results/figures/depth/): quadrature.png, propagation.png, phase_diagram.png, ntk.png,
nongauss.png.

Modules (one job each, no cycles: theory <- nets, gauss, trainability, kernel_checks <- checks <-
this module): ``depth_theory`` (rule depth_theory and the shared helpers), ``depth_nets``,
``depth_gauss``, ``depth_trainability`` (rule depth_trainability), ``depth_kernel_checks`` (the
activation-kernel checks and tables), ``depth_checks`` (the other checks of depth_summary),
``depth_plots`` (figures); this module holds the rule entries.

Cost: theory ~ (activations x orders x 112 covariances x n^2) phi evaluations (~1e9, seconds);
nets: S seeds x (G 2 L n^2 + X 2 L n^2 4P + 2 L R n^2 K) flops (G sw2 values, X of them for xi,
R read-outs); gauss: nets x depth x n^2 normal draws per width.
"""

from __future__ import annotations

import time

from .. import checks, io, provenance
from ..progress import get_logger
from .depth_checks import (  # noqa: F401 - re-exported: the stage's public functions
    MIN_BOOTSTRAP_SEEDS,
    build_checks,
    nongauss_checks,
    ntk_checks,
    propagation_checks,
)
from .depth_gauss import gauss_run  # noqa: F401
from .depth_kernel_checks import (  # noqa: F401
    quadrature_checks,
    quadrature_table,
    wide_kernel_check,
    wide_table,
)
from .depth_nets import nets_run, ntk_run, propagation_run  # noqa: F401
from .depth_theory import (  # noqa: F401
    RECURSION_TOL,
    bounded_section,
    fixed_points,
    quadrature_study,
    recursion_identity,
    theory_run,
)


def rule_theory(*, input, output, params, wildcards, log, config) -> None:
    logger = get_logger("depth.theory", log)
    t0 = time.perf_counter()
    res = theory_run(bounded_section(params.section, logger), params.seed, logger)
    meta = provenance.metadata(params.section, rule="depth_theory", seed=params.seed, full_config=config)
    io.save_npz(output.npz, res, meta=meta)
    logger.info(f"depth_theory done in {time.perf_counter() - t0:.1f}s")


def _nets_rule(run, rule: str, output, params, log, config) -> None:
    """One finite-net rule: ``run`` (``propagation_run`` | ``ntk_run``) on the fixed points, saved
    with its provenance."""
    logger = get_logger(rule.replace("_", "."), log)
    t0 = time.perf_counter()
    x64 = bool(params.section["nets_x64"])
    section = bounded_section(params.section)
    res = run(section, fixed_points(section), params.seed, x64, logger)
    meta = provenance.metadata(params.section, rule=rule, seed=params.seed, x64=x64, full_config=config)
    io.save_npz(output.npz, res, meta=meta)
    logger.info(f"{rule} done in {time.perf_counter() - t0:.1f}s")


def rule_nets(*, input, output, params, wildcards, log, config) -> None:
    _nets_rule(propagation_run, "depth_nets", output, params, log, config)


def rule_ntk(*, input, output, params, wildcards, log, config) -> None:
    _nets_rule(ntk_run, "depth_ntk", output, params, log, config)


def rule_gauss(*, input, output, params, wildcards, log, config) -> None:
    logger = get_logger("depth.gauss", log)
    t0 = time.perf_counter()
    res = gauss_run(params.section, params.seed, logger)
    meta = provenance.metadata(params.section, rule="depth_gauss", seed=params.seed, full_config=config)
    io.save_npz(output.npz, res, meta=meta)
    logger.info(f"depth_gauss done in {time.perf_counter() - t0:.1f}s")


def rule_summary(*, input, output, params, wildcards, log, config) -> None:
    from . import depth_plots

    logger = get_logger("depth.summary", log)
    section = bounded_section(params.section)
    theory, nets, ntk, gauss = (io.load_npz(p) for p in (input.theory, input.nets, input.ntk, input.gauss))
    nets = {**nets, **ntk}
    meta = provenance.metadata(section, rule="depth_summary", seed=params.seed, full_config=config)
    found, tables = build_checks(theory, nets, gauss, section, params.seed)
    io.save_table(output.quadrature, quadrature_table(theory), meta=meta, markdown=True)
    io.save_table(output.wide, wide_table(theory, float(section["ci"])), meta=meta, markdown=True)
    for name in ("theory", "xi", "ntk", "nongauss"):
        io.save_table(getattr(output, name), tables[name], meta=meta, markdown=True)
    checks.write_checks(output.checks, found, meta=meta)
    for c in found:
        checks.log_check(logger, c)
    depth_plots.quadrature(theory, section, output.fig_quadrature, meta)
    depth_plots.propagation(theory, nets, tables, section, output.fig_propagation, meta)
    depth_plots.phase_diagram(theory, section, output.fig_phase, meta)
    depth_plots.ntk(theory, nets, tables["ntk"], section, output.fig_ntk, meta)
    depth_plots.nongauss(tables["nongauss"], section, output.fig_nongauss, meta)
