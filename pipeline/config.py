"""Config validation: the JSON schema (workflow/schemas/config.schema.yaml) plus checks a schema
cannot express (files exist, lists consistent). Errors name the key, the value and what is allowed.
"""

from __future__ import annotations

import copy
from pathlib import Path

SCHEMA = Path(__file__).resolve().parent.parent / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A config value is invalid; the message names the key and the allowed values."""


def _key_path(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<config>"


def _explain(err) -> str:
    """One line naming the offending key, its value and what the schema allows."""
    key = _key_path(err.absolute_path)
    sch = err.schema if isinstance(err.schema, dict) else {}
    v = err.validator
    if v == "additionalProperties":
        allowed = sorted(sch.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        return f"config key {key}: unknown key(s) {extra}; allowed keys: {allowed}"
    if v == "enum":
        return f"config key {key}: {err.instance!r} is not allowed; allowed values: {sch.get('enum')}"
    if v == "type":
        return f"config key {key}: {err.instance!r} has the wrong type; expected {sch.get('type')}"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return f"config key {key}: {err.instance!r} violates {v} = {err.validator_value}"
    if v == "minItems":
        return f"config key {key}: needs at least {err.validator_value} item(s), got {err.instance!r}"
    if v == "required":
        return f"config key {key}: {err.message}"
    desc = " ".join(str(sch.get("description") or "").split())  # one line (YAML ">" ends in \n)
    return f"config key {key}: {err.message}" + (f" ({desc})" if desc else "")


def _with_defaults(cls):
    """Extend a validator class so that ``properties`` fills in each subschema's ``default``."""
    from jsonschema import validators

    check_properties = cls.VALIDATORS["properties"]

    def fill_then_check(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if isinstance(sub, dict) and "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from check_properties(validator, properties, instance, schema)

    return validators.extend(cls, {"properties": fill_then_check})


def _validator(set_defaults: bool = False):
    """A Draft 2020-12 validator for the schema, resolving the per-stage ``$ref`` files.

    (Snakemake's own ``validate`` does not fill defaults inside ``$ref``'d files, hence ours.)
    """
    import jsonschema
    import yaml
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def retrieve(uri: str):
        path = SCHEMA.parent / Path(uri.split("://", 1)[-1]).name
        contents = yaml.safe_load(path.read_text())
        # without "$schema", jsonschema keeps our (default-filling) validator class in the stage file
        contents.pop("$schema", None)
        return Resource.from_contents(contents, default_specification=DRAFT202012)

    schema = yaml.safe_load(SCHEMA.read_text())
    schema["$id"] = SCHEMA.as_uri()
    _add_stage_sections(schema)
    cls = _with_defaults(jsonschema.Draft202012Validator) if set_defaults else jsonschema.Draft202012Validator
    return cls(schema, registry=Registry(retrieve=retrieve))


# (key, old value) -> new value: values renamed since they were published in a config
RENAMED_VALUES = {("input_scaling", "seed"): "unscaled"}


def _check_renamed(node, path=()) -> None:
    """A renamed value fails with a message naming the new one (before the schema's generic enum error)."""
    if isinstance(node, dict):
        for key, value in node.items():
            new = RENAMED_VALUES.get((key, value)) if isinstance(value, str) else None
            if new is not None:
                raise ConfigError(
                    f"config key {_key_path(path + (key,))}: {value!r} was renamed to {new!r}; "
                    f"write {key}: {new}"
                )
            _check_renamed(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_renamed(value, path + (i,))


def _add_stage_sections(schema: dict) -> None:
    """One config section per registered stage with a schema file ``<stage>.schema.yaml``.

    A section listed in config.schema.yaml keeps its entry there; a new stage's section is optional
    and filled from its schema's defaults (``{}`` when absent), so older configs keep working.
    """
    from .stages import STAGE_NAMES

    props = schema.setdefault("properties", {})
    for name in STAGE_NAMES:
        if name not in props and (SCHEMA.parent / f"{name}.schema.yaml").is_file():
            props[name] = {"$ref": f"{name}.schema.yaml", "default": {}}


def validate_config(config: dict, set_defaults: bool = True) -> dict:
    """Validate ``config`` against the schema and the semantic rules; fill defaults in place.

    The error is one line naming the key, the value and what is allowed (``ConfigError``).
    Returns the config.
    """
    import jsonschema

    _check_renamed(config)
    errors = list(_validator().iter_errors(config))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(_explain(best) + more)
    if set_defaults:
        _validator(set_defaults=True).validate(config)
    check_semantics(config)
    return config


def check_semantics(config: dict) -> None:
    """Rules the schema cannot express; raise ConfigError naming the key."""
    data = config.get("data", {})
    for name in ("circle", "sphere"):
        sec = data.get(name, {})
        amps = sec.get("amplitudes")
        if amps is not None and len(amps) != len(sec.get("harmonics", [])):
            raise ConfigError(
                f"config key data.{name}.amplitudes: {len(amps)} amplitudes for "
                f"{len(sec['harmonics'])} harmonics; give one per harmonic or null"
            )
    for i, f in enumerate(data.get("images", {}).get("files", [])):
        if not Path(f).is_file():
            raise ConfigError(f"config key data.images.files[{i}]: image file {f!r} does not exist")
    images = data.get("images", {})
    if not images.get("natural") and not images.get("files") and not images.get("text"):
        raise ConfigError("config key data.images: no images at all (natural, text and files are all empty)")
    _check_report(config)
    _check_ntk(config)
    _check_convergence(config)
    _check_fourier(config)
    _check_train(config)


def _check_fourier(config: dict) -> None:
    """fourier: every image set it fits (or sweeps) must have images in the data section."""
    images = config.get("data", {}).get("images", {})
    counts = {
        "natural": len(images.get("natural", [])) + len(images.get("files", [])),
        "text": images.get("text", 0),
    }
    fourier = config.get("fourier", {})
    for key, sets in (
        ("imagesets", fourier.get("imagesets", [])),
        ("sweep.imagesets", fourier.get("sweep", {}).get("imagesets", [])),
    ):
        for s in sets:
            if not counts.get(s):
                raise ConfigError(
                    f"config key fourier.{key}: image set {s!r} has no images "
                    f"(data.images gives none); remove it or add images"
                )


def _check_report(config: dict) -> None:
    """report.extra_checks: every file exists."""
    for i, f in enumerate(config.get("report", {}).get("extra_checks", [])):
        if not Path(f).is_file():
            raise ConfigError(f"config key report.extra_checks[{i}]: theory-check file {f!r} does not exist")


def _check_ntk(config: dict) -> None:
    """ntk.heatmap_widths: both among ntk.widths."""
    ntk = config.get("ntk", {})
    widths = ntk.get("widths", [])
    for i, w in enumerate(ntk.get("heatmap_widths") or []):
        if w not in widths:
            raise ConfigError(f"config key ntk.heatmap_widths[{i}]: width {w} is not in ntk.widths {widths}")


def _check_convergence(config: dict) -> None:
    """convergence.archs: each is an architecture of train.archs."""
    archs = (config.get("train") or {}).get("archs") or {}
    for i, a in enumerate((config.get("convergence") or {}).get("archs") or []):
        if a not in archs:
            raise ConfigError(
                f"config key convergence.archs[{i}]: {a!r} is not an architecture of "
                f"train.archs {sorted(archs)}"
            )


def _check_train(config: dict) -> None:
    """train.check_arch names an arch with >= 2 widths; no arch is called 'jacot' (its outputs'
    folder); the recorded dense steps do not exceed the steps."""
    train = config.get("train") or {}
    archs = train.get("archs") or {}
    if "jacot" in archs:
        raise ConfigError(
            "config key train.archs.jacot: the name 'jacot' is reserved (results/train/jacot/ "
            "holds the Jacot et al. figure's runs); rename the architecture"
        )
    for key in ("check_arch", "control_arch"):
        check = train.get(key)
        if not archs or check is None:
            continue
        if check not in archs:
            raise ConfigError(
                f"config key train.{key}: {check!r} is not an architecture of train.archs {sorted(archs)}"
            )
        if len(set(archs[check].get("widths", []))) < 2:
            raise ConfigError(
                f"config key train.{key}: architecture {check!r} needs >= 2 widths to fit "
                f"the exponents of the theory checks, has {archs[check].get('widths')}"
            )
    dense = (train.get("record") or {}).get("dense", 0)
    if "steps" in train and dense > train["steps"]:
        raise ConfigError(f"config key train.record.dense: {dense} exceeds train.steps = {train['steps']}")


DEFAULT_CONFIG = SCHEMA.parent.parent.parent / "config" / "config.yaml"


def merge_config(base: dict, overlay: dict) -> dict:
    """``overlay`` deep-merged onto a copy of ``base`` (mappings merge key by key, anything else is
    replaced), as Snakemake merges ``--configfile`` onto the Snakefile's ``configfile:``."""
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_config(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(path, base=DEFAULT_CONFIG) -> dict:
    """Read a YAML config file as Snakemake sees it -- an overlay on ``base`` (config/config.yaml;
    None: no base) -- and validate it (for use outside Snakemake: tests, benchmarks, tools)."""
    import yaml

    def read(p):
        with open(p) as fh:
            cfg = yaml.safe_load(fh)
        if not isinstance(cfg, dict):
            raise ConfigError(f"{p}: a config must be a YAML mapping, got {type(cfg).__name__}")
        return cfg

    cfg = read(path)
    if base is not None and Path(path).resolve() != Path(base).resolve():
        cfg = merge_config(read(base), cfg)
    return validate_config(copy.deepcopy(cfg))
