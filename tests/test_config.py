"""Config validation: the shipped configs pass, bad ones fail with a message naming the key."""

import copy

import pytest
from conftest import ROOT, load_yaml
from conftest import del_key as _del
from conftest import set_key as _set

from pipeline.config import ConfigError, load_config, validate_config


@pytest.mark.parametrize("name", ["config/config.yaml", "config/paper.yaml", "tests/configs/tiny.yaml"])
def test_shipped_configs_are_valid(name):
    cfg = load_config(ROOT / name)
    assert cfg["data"]["circle"]["n_train"] >= 4


def test_defaults_fill_nested_sections():
    cfg = {"data": {}, "ntk": {}, "train": {}, "convergence": {}, "fourier": {}, "report": {}}
    validate_config(cfg)
    assert cfg["data"]["circle"]["harmonics"] == [1, 2, 4, 8, 3]
    assert cfg["data"]["images"]["resolution"] == 64 and cfg["seed"] == 0


BAD = {
    "negative n_train": (_set("data", "circle", "n_train", -3), "data.circle.n_train"),
    "non-integer n_train": (_set("data", "circle", "n_train", 6.5), "data.circle.n_train"),
    "string n_test": (_set("data", "circle", "n_test", "many"), "data.circle.n_test"),
    "empty harmonics": (_set("data", "circle", "harmonics", []), "data.circle.harmonics"),
    "negative harmonic": (_set("data", "circle", "harmonics", [1, -2]), "data.circle.harmonics[1]"),
    "amplitude count": (_set("data", "circle", "amplitudes", [1.0]), "data.circle.amplitudes"),
    "negative noise": (_set("data", "circle", "noise", -0.1), "data.circle.noise"),
    "unknown top key": (_set("widths", [1, 2]), "unknown key(s) ['widths']"),
    "unknown data key": (_set("data", "mnist", {}), "data: unknown key(s) ['mnist']"),
    "unknown circle key": (_set("data", "circle", "ntrain", 3), "data.circle: unknown key(s) ['ntrain']"),
    "unknown image": (_set("data", "images", "natural", ["lena"]), "data.images.natural[0]"),
    "odd resolution": (_set("data", "images", "resolution", 63), "data.images.resolution"),
    "missing image file": (_set("data", "images", "files", ["/no/such/image.png"]), "data.images.files[0]"),
    "sphere dim 1": (_set("data", "sphere", "dim", 1), "data.sphere.dim"),
    "seed negative": (_set("seed", -1), "seed"),
    "strict not bool": (_set("strict", "yes"), "strict"),
    "data not a mapping": (_set("data", [1, 2]), "data"),
    "no images at all": (
        lambda c: c["data"].__setitem__("images", {"natural": [], "text": 0, "files": []}),
        "data.images",
    ),
    "missing data section": (_del("data"), "'data' is a required property"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_rejected_with_key(case):
    edit, needle = BAD[case]
    cfg = copy.deepcopy(load_yaml(ROOT / "config" / "config.yaml"))
    edit(cfg)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert needle in str(err.value), str(err.value)


def test_paper_config_is_an_overlay_of_differences():
    """config/paper.yaml holds only the keys that differ from the default (config/config.yaml with the
    schema defaults) and is read on top of it, as Snakemake merges --configfile."""
    default = load_config(ROOT / "config" / "config.yaml")
    overlay = load_yaml(ROOT / "config" / "paper.yaml")
    same = []

    def walk(over, base, path):
        for key, value in over.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                walk(value, base[key], f"{path}{key}.")
            elif base.get(key) == value:
                same.append(path + key)

    walk(overlay, default, "")
    assert not same, f"keys equal to the default (drop them from paper.yaml): {same}"
    paper = load_config(ROOT / "config" / "paper.yaml")
    assert (
        paper["fourier"]["steps"] == 2000
        and paper["fourier"]["hidden_layers"] == default["fourier"]["hidden_layers"]
    )
