"""Atomic writers and checked readers.

Every writer writes to a temporary file in the target directory and renames it into place, so a
crash never leaves a half-written file that looks complete. Writers that take ``meta`` also write
a provenance sidecar ``<path>.json`` (see ``provenance.metadata``). Readers raise ``CorruptFileError``
naming the file when it is missing or unreadable.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

_UMASK = os.umask(0o022)  # read the process umask (os.umask can only set it) ...
os.umask(_UMASK)  # ... and restore it


class CorruptFileError(RuntimeError):
    """An input file is missing, truncated or not in the expected format."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success, delete on error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A writer killed by SIGKILL (no `finally`) leaves its temporary file; the job's rerun writes
    # the same output again and removes it here (one job owns an output, so none is in use).
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp{glob.escape(path.suffix)}"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are shared like any other file
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _json_default(obj: Any):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def save_json(path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def sidecar(path) -> Path:
    """The provenance sidecar of an output file: ``<path>.json``."""
    return Path(str(path) + ".json")


def save_meta(path, meta: dict | None) -> None:
    if meta is not None:
        save_json(sidecar(path), meta)


def save_npz(path, arrays: dict[str, np.ndarray], meta: dict | None = None) -> None:
    """Write arrays to ``path`` (.npz, uncompressed) atomically, plus the sidecar when ``meta``."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in arrays.items()})
    save_meta(path, meta)


def load_npz(path, required: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Read an .npz into a dict; raise CorruptFileError naming the file if unreadable or incomplete."""
    try:
        with np.load(path, allow_pickle=False) as data:
            out = {k: data[k] for k in data.files}
    except FileNotFoundError as err:
        raise CorruptFileError(f"{path}: file not found") from err
    except Exception as err:  # zipfile.BadZipFile, ValueError, EOFError, OSError ...
        raise CorruptFileError(
            f"{path}: cannot read as .npz ({type(err).__name__}: {err}); "
            "delete it and rerun the rule that makes it"
        ) from err
    missing = [k for k in required if k not in out]
    if missing:
        raise CorruptFileError(f"{path}: missing arrays {missing}; delete it and rerun")
    return out


def load_json(path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError as err:
        raise CorruptFileError(f"{path}: file not found") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptFileError(f"{path}: not valid JSON ({err}); delete it and rerun") from err


def save_table(path, df, meta: dict | None = None, markdown: bool = False, floatfmt: str = ".4g") -> None:
    """Write a pandas DataFrame as CSV (and ``<stem>.md`` when ``markdown``) atomically."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
    if markdown:
        with atomic_path(Path(path).with_suffix(".md")) as tmp:
            tmp.write_text(df.to_markdown(index=False, floatfmt=floatfmt) + "\n")
    save_meta(path, meta)


def load_table(path, required: tuple[str, ...] = ()):
    import pandas as pd

    try:
        df = pd.read_csv(path)
    except FileNotFoundError as err:
        raise CorruptFileError(f"{path}: file not found") from err
    except Exception as err:  # pandas.errors.ParserError, EmptyDataError, UnicodeDecodeError
        raise CorruptFileError(
            f"{path}: cannot read as CSV ({type(err).__name__}: {err}); "
            "delete it and rerun the rule that makes it"
        ) from err
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CorruptFileError(f"{path}: missing columns {missing}; delete it and rerun")
    return df


def save_figure(fig, path, meta: dict | None = None, dpi: int = 130) -> None:
    """Save a matplotlib figure as PNG atomically; config hash and commit go in its text chunks."""
    import matplotlib.pyplot as plt

    info = {"Software": "ntk-pipeline"}
    if meta:
        info["Description"] = json.dumps({k: meta.get(k) for k in ("config_hash", "git_commit")})
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight", metadata=info)
    plt.close(fig)
