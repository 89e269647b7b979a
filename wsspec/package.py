"""Deterministic function packages: same sources + same dependencies -> same zip bytes (shared
by every target, by ``deploy`` and, for the dependencies, by ``serve``).

A package is the function's source directory (without caches, hidden files and its own
``node_modules``) plus its declared dependencies as installed by ``wsspec.packaging`` for the
function's runtime and architecture, minus the spec's ``exclude`` patterns. Entries are sorted,
dated 1980-01-01 and given fixed modes. A function without dependencies is zipped as before;
one with dependencies reuses the zip cached under the digest of its inputs.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import os
import stat
import zipfile
from pathlib import Path
from typing import Mapping

from wsspec import packaging, sources, vendor
from wsspec.errors import WsspecError
from wsspec.model import Function, Layer, Spec
from wsspec.packaging import cache

_EPOCH = (1980, 1, 1, 0, 0, 0)
# The zip comment marks a package as wsspec's (``writer`` replaces only its own files).
ZIP_COMMENT = b"wsspec function package"
LAYER_COMMENT = b"wsspec layer package"
MAX_UNZIPPED = 262_144_000  # 250 MB: Lambda's limit for the unzipped package and its layers
MAX_UPLOAD = 52_428_800  # 50 MB: the largest zip Lambda takes in a direct upload


def source_files(spec: Spec, fn: Function | Layer) -> list[tuple[str, Path]]:
    """(archive name, file) for every file packaged from the function's (or layer's) source
    directory, sorted.

    Raises ``WsspecError`` (WS013) when the directory holds a file that cannot be packaged
    (validation reports the same files as WS540 or WS568, so a validated spec never gets here).
    """
    is_layer = isinstance(fn, Layer)
    source_dir = fn.source_dir
    if source_dir is None:
        return []
    found = sources.walk(spec.project_dir, source_dir, layer=is_layer)
    if found.problems:
        first = found.problems[0]
        more = f" (and {len(found.problems) - 1} more)" if len(found.problems) > 1 else ""
        raise WsspecError(
            f"{'layer' if is_layer else 'function'} {fn.name}: {source_dir}/{first.arcname} "
            f"{first.reason}{more}",
            code="WS013",
            file=spec.source_file or None,
            hint="only regular files inside the project are packaged; remove or replace it",
        )
    return [(f.arcname, f.path) for f in found.files]


def _read(path: Path) -> bytes:
    """A regular file's bytes; never blocks on a FIFO that replaced it since the walk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is no longer a regular file")
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read()
    finally:
        os.close(fd)


def excluded(fn: Function | Layer, arcname: str) -> bool:
    """Whether one of the function's exclude globs matches (``*`` also matches ``/``)."""
    return any(fnmatch.fnmatchcase(arcname, pat) for pat in fn.exclude)


def build_zip(spec: Spec, fn: Function, overlay: Mapping[Path, bytes] | None = None) -> bytes:
    """The deployment package of ``fn``: fixed timestamps and modes, sorted entries.

    ``overlay`` maps absolute paths of files about to be created (handler stubs written in the
    same build) to their content, so a first ``wsspec build`` packages the stubs it creates.
    The package and the layers wsspec builds for it together stay within 250 MB unzipped.
    """
    data = _function_zip(spec, fn, overlay)
    layers = spec.function_layers(fn)
    if layers:
        sizes = {f"(function {fn.name})": unzipped_size(data)}
        sizes.update({f"(layer {x.name})": unzipped_size(build_layer_zip(spec, x)) for x in layers})
        total = sum(sizes.values())
        if total > MAX_UNZIPPED:
            raise WsspecError(
                f"function {fn.name}: the package and its layers are "
                f"{total / 1_048_576:.1f} MB unzipped; Lambda allows 250 MB "
                f"(largest: {_biggest(sizes)})",
                code="WS994",
                hint="exclude what the function or its layers do not need ('exclude' globs), "
                "or use a container image",
            )
    return data


def build_layer_zip(spec: Spec, layer: Layer) -> bytes:
    """A layer's zip in Lambda's layout: its source directory as the root (``/opt``), its
    dependencies under ``python/`` or ``nodejs/node_modules/``, minus its ``exclude`` globs;
    as deterministic as a function package, and cached under the digest of its inputs."""
    entries: dict[str, bytes] = {}
    for arc, path in source_files(spec, layer):
        if not excluded(layer, arc):
            try:
                entries[arc] = _read(path)
            except OSError as exc:
                raise WsspecError(
                    f"layer {layer.name}: {layer.source_dir}/{arc} cannot be read: {exc}",
                    code="WS013",
                    file=spec.source_file or None,
                ) from None
    trees = packaging.install_layer(spec, layer)
    digest = cache.key(
        "layer-zip",
        *(part for prefix, tree in trees for part in (prefix, tree.name)),
        "\n".join(layer.exclude),
        *(part for arc in sorted(entries) for part in (arc, entries[arc])),
    )
    cached = cache.read_zip(digest)
    if cached is not None:
        return cached
    files: dict[str, tuple[bytes, int]] = {arc: (data, 0o644) for arc, data in entries.items()}
    deps: list[tuple[str, Path]] = []
    for prefix, tree in trees:
        for arc, p in packaging.tree_files(tree):
            name = prefix + arc
            if name not in files and not excluded(layer, name):
                deps.append((name, p))
    sizes = {arc: len(data) for arc, data in entries.items()}
    sizes.update({arc: os.stat(p).st_size for arc, p in deps})
    if sum(sizes.values()) > MAX_UNZIPPED:
        raise WsspecError(
            f"layer {layer.name}: {sum(sizes.values()) / 1_048_576:.1f} MB unzipped; Lambda "
            f"allows 250 MB for a function with all its layers (largest: {_biggest(sizes)})",
            code="WS994",
            hint="exclude what the functions do not need ('exclude' globs), or split the layer",
        )
    for arc, p in deps:
        files[arc] = (p.read_bytes(), 0o755 if os.stat(p).st_mode & 0o111 else 0o644)
    data = _zip(files, LAYER_COMMENT)
    cache.write_zip(digest, data)
    return data


def layer_root(spec: Spec, layer: Layer) -> Path:
    """The layer's content unpacked from its zip (what Lambda puts in ``/opt``), for serve."""
    return cache.unpacked(build_layer_zip(spec, layer))


def unzipped_size(data: bytes) -> int:
    """The sum of the uncompressed sizes of a zip's entries."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(i.file_size for i in zf.infolist())


def _function_zip(spec: Spec, fn: Function, overlay: Mapping[Path, bytes] | None) -> bytes:
    root = Path(spec.project_dir, fn.source_dir).resolve()
    if fn.builtin is not None:
        return _zip({arc: (data, 0o644) for arc, data in vendor.builtin_entries(fn).items()})
    entries: dict[str, bytes] = {}
    for arc, path in source_files(spec, fn):
        if excluded(fn, arc):
            continue
        try:
            entries[arc] = _read(path)
        except OSError as exc:
            raise WsspecError(
                f"function {fn.name}: {fn.source_dir}/{arc} cannot be read: {exc}",
                code="WS013",
                file=spec.source_file or None,
            ) from None
    entries.update(vendor.guard_entries(fn))
    for path, content in (overlay or {}).items():
        try:
            arc = Path(path).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        if not excluded(fn, arc):
            entries.setdefault(arc, content)
    tree = packaging.install(spec, fn)
    if tree is None:
        _check_unzipped(fn, entries, [])
        return _zip({arc: (data, 0o644) for arc, data in entries.items()})
    digest = cache.key(
        "zip",
        tree.name,
        "\n".join(fn.exclude),
        *(part for arc in sorted(entries) for part in (arc, entries[arc])),
    )
    cached = cache.read_zip(digest)
    if cached is not None:
        return cached
    deps = [(arc, p) for arc, p in packaging.tree_files(tree) if arc not in entries]
    deps = [(arc, p) for arc, p in deps if not excluded(fn, arc)]
    _check_unzipped(fn, entries, deps)
    files: dict[str, tuple[bytes, int]] = {arc: (data, 0o644) for arc, data in entries.items()}
    for arc, p in deps:
        files[arc] = (p.read_bytes(), 0o755 if os.stat(p).st_mode & 0o111 else 0o644)
    data = _zip(files)
    cache.write_zip(digest, data)
    return data


def _zip(files: Mapping[str, tuple[bytes, int]], comment: bytes = ZIP_COMMENT) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname in sorted(files):
            content, mode = files[arcname]
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content, compresslevel=9)
        zf.comment = comment
    return buf.getvalue()


def is_package(data: bytes) -> bool:
    """Whether ``data`` is a package wsspec built: its zip comment, or (from versions before
    the comment) every entry stamped with the fixed 1980-01-01 time."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if zf.comment in (ZIP_COMMENT, LAYER_COMMENT):
                return True
            infos = zf.infolist()
            return bool(infos) and all(i.date_time == _EPOCH for i in infos)
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _group(arc: str) -> str:
    """The part of a package a file belongs to: a top-level entry, a package under
    ``node_modules/`` (scoped ones with their scope), or a package under a layer's ``python/``."""
    parts = arc.split("/")
    if "node_modules" in parts[:3]:
        i = parts.index("node_modules")
        depth = i + 3 if parts[i + 1 : i + 2] and parts[i + 1].startswith("@") else i + 2
        return "/".join(parts[:depth])
    if parts[0] == "python" and len(parts) > 2:
        return "/".join(parts[:5] if parts[1] == "lib" and len(parts) > 5 else parts[:2])
    return parts[0]


def _biggest(sizes: Mapping[str, int], n: int = 3) -> str:
    """The ``n`` largest parts of a package (see ``_group``)."""
    groups: dict[str, int] = {}
    for arc, size in sizes.items():
        group = _group(arc)
        groups[group] = groups.get(group, 0) + size
    top = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return ", ".join(f"{g} {s / 1_048_576:.1f} MB" for g, s in top)


def _check_unzipped(
    fn: Function, entries: Mapping[str, bytes], deps: list[tuple[str, Path]]
) -> None:
    sizes = {arc: len(data) for arc, data in entries.items()}
    sizes.update({arc: os.stat(p).st_size for arc, p in deps})
    total = sum(sizes.values())
    if total > MAX_UNZIPPED:
        raise WsspecError(
            f"function {fn.name}: the package is {total / 1_048_576:.1f} MB unzipped; Lambda "
            f"allows 250 MB with its layers (largest: {_biggest(sizes)})",
            code="WS994",
            hint="exclude what the function does not need ('exclude' globs such as "
            "'*/tests/*'), or move large dependencies to a layer or a container image",
        )


def check_upload(fn: Function | Layer, blob: bytes) -> None:
    """A direct upload (``wsspec deploy``) takes at most 50 MB zipped."""
    what = "layer" if isinstance(fn, Layer) else "function"
    if len(blob) > MAX_UPLOAD:
        sizes: dict[str, int] = {}
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            for info in zf.infolist():
                sizes[info.filename] = info.compress_size
        raise WsspecError(
            f"{what} {fn.name}: the package is {len(blob) / 1_048_576:.1f} MB zipped; a "
            f"direct upload takes at most 50 MB (largest, zipped: {_biggest(sizes)})",
            code="WS994",
            hint="exclude what the function does not need, or deploy through CloudFormation "
            "or Terraform, which upload the package to S3",
        )


def sha256_b64(data: bytes) -> str:
    """Lambda's CodeSha256 / Terraform's source_code_hash form."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()
