"""The data stage's figure (rule data_figure): every data set drawn, provenance in the PNG."""

import json

import pytest
from conftest import TINY, load_yaml
from PIL import Image

from pipeline import provenance
from pipeline.config import validate_config
from pipeline.stages import data as stage
from pipeline.stages.data_plots import overview


def _sets(tmp_path, n_text: int):
    section = validate_config(load_yaml(TINY))["data"]
    section["images"]["text"] = n_text
    syn = {}
    for name in ("circle", "gaussian_product"):
        syn[name] = str(tmp_path / f"{name}.npz")
        stage.make_synthetic(name, section[name], 0, syn[name])
    img = {"text": str(tmp_path / "images_text.npz")}
    stage.make_images("text", section["images"], 0, img["text"])
    return section, syn, img


def test_overview_draws_synthetic_sets_and_one_row_per_image_set(tmp_path):
    section, syn, img = _sets(tmp_path, n_text=2)
    with_images, without = tmp_path / "with.png", tmp_path / "without.png"
    overview(syn, img, str(with_images), section=section)
    overview(syn, {}, str(without), section=section)  # a subset of sets is fine (sphere absent too)
    w1, h1 = Image.open(with_images).size
    w0, h0 = Image.open(without).size
    assert h1 > 1.6 * h0 and w1 >= w0  # the image row is added below the synthetic panels
    meta = json.loads(Image.open(with_images).text["Description"])
    assert meta["config_hash"] == provenance.config_hash(section)


def test_overview_rejects_an_image_file_without_images(tmp_path):
    section, syn, _ = _sets(tmp_path, n_text=1)
    with pytest.raises(Exception, match="images"):
        overview(syn, {"text": syn["circle"]}, str(tmp_path / "x.png"), section=section)
    assert not (tmp_path / "x.png").exists()


@pytest.mark.slow
def test_tiny_run_has_data_figure(tiny_run):
    fig = tiny_run / "results" / "figures" / "data" / "datasets.png"
    assert Image.open(fig).size[1] > 500
    assert (tiny_run / "results" / "logs" / "data" / "data_figure.log").read_text().strip()
    assert (tiny_run / "results" / "benchmarks" / "data" / "data_figure.tsv").exists()
