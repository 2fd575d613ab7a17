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
    desc = sch.get("description")
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
    cls = _with_defaults(jsonschema.Draft202012Validator) if set_defaults else jsonschema.Draft202012Validator
    return cls(schema, registry=Registry(retrieve=retrieve))


def validate_config(config: dict, set_defaults: bool = True) -> dict:
    """Validate ``config`` against the schema and the semantic rules; fill defaults in place.

    The error is one line naming the key, the value and what is allowed (``ConfigError``).
    Returns the config.
    """
    import jsonschema

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
            raise ConfigError(f"config key data.{name}.amplitudes: {len(amps)} amplitudes for "
                              f"{len(sec['harmonics'])} harmonics; give one per harmonic or null")
    for i, f in enumerate(data.get("images", {}).get("files", [])):
        if not Path(f).is_file():
            raise ConfigError(f"config key data.images.files[{i}]: image file {f!r} does not exist")
    images = data.get("images", {})
    if not images.get("natural") and not images.get("files") and not images.get("text"):
        raise ConfigError("config key data.images: no images at all (natural, text and files are all empty)")


def load_config(path) -> dict:
    """Read a YAML config file and validate it (for use outside Snakemake: tests, benchmarks)."""
    import yaml

    with open(path) as fh:
        cfg = yaml.safe_load(fh)
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: a config must be a YAML mapping, got {type(cfg).__name__}")
    return validate_config(copy.deepcopy(cfg))
