"""Stage regimes: tidy tables (one row per measurement) of the experiments' arrays."""

from __future__ import annotations

import numpy as np

ALPHA_QUANTITIES = ("w_rel", "w_rel_first", "k_rel", "lin_gap", "pattern_frac", "train_loss", "test_loss")


def alpha_table(a: dict):
    import pandas as pd

    rows = []
    for i, alpha in enumerate(a["alphas"]):
        for s in range(a["w_rel"].shape[1]):
            row = {"alpha": float(alpha), "seed": s, **{k: float(a[k][i, s]) for k in ALPHA_QUANTITIES}}
            if "converged" in a:  # train loss <= converge_fraction x initial loss at the step cap
                row["converged"] = bool(a["converged"][i, s])
                row["first_converged_step"] = int(a["first_converged_step"][i, s])
            rows.append(row)
    return pd.DataFrame(rows)


def width_table(w: dict):
    import pandas as pd

    rows = []
    for i, p in enumerate(w["params"]):
        for j, m in enumerate(w["widths"]):
            for s in range(w["a_rel"].shape[2]):
                rows.append(
                    {
                        "parameterization": str(p),
                        "width": int(m),
                        "seed": s,
                        "eta": float(w["eta"][i, j]),
                        "a_rel": w["a_rel"][i, j, s],
                        "h_rel": w["h_rel"][i, j, s],
                        "train_loss": w["train_loss"][i, j, s],
                        "diverged": bool(w["diverged"][i, j, s]),
                    }
                )
    return pd.DataFrame(rows)


def coord_table(c: dict):
    import pandas as pd

    arr = c["mean_abs"]
    n_layers = arr.shape[-1]
    rows = []
    for idx in np.ndindex(arr.shape):
        i, j, k, s, t, layer = idx
        rows.append(
            {
                "parameterization": str(c["params"][i]),
                "optimizer": str(c["optimizers"][j]),
                "width": int(c["widths"][k]),
                "seed": s,
                "step": t + 1,
                "layer": "output" if layer == n_layers - 1 else f"z{layer + 1}",
                "mean_abs": float(arr[idx]),
            }
        )
    return pd.DataFrame(rows)


def lr_table(sweeps: list[dict]):
    """One row per (optimizer, parameterisation, width, log2 lr, seed) of every sweep; train_loss is
    the minibatch loss averaged over the last quarter of the steps (capped at ln 10)."""
    import pandas as pd

    rows = []
    for r in sweeps:
        arr = r["train_loss"]
        opt = str(r["optimizer"]) if "optimizer" in r else ""
        rows += [
            {
                "optimizer": opt,
                "parameterization": str(r["params"][i]),
                "width": int(r["widths"][j]),
                "log2_lr": float(r["log2_lrs"][k]),
                "seed": s,
                "train_loss": float(arr[i, j, k, s]),
            }
            for i, j, k, s in np.ndindex(arr.shape)
        ]
    return pd.DataFrame(rows)


def teacher_table(t: dict):
    import pandas as pd

    rows = [
        {
            "tau": float(t["taus"][i]),
            "trial": r,
            "test_loss_final": float(t["test_loss_final"][i, r]),
            "test_loss_best": float(t["test_loss_best"][i, r]),
            "train_loss_final": float(t["train_loss_final"][i, r]),
        }
        for i, r in np.ndindex(t["test_loss_final"].shape)
    ]
    return pd.DataFrame(rows)
