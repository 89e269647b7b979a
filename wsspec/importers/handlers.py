"""Find the user's handler file for a Lambda ``Handler`` string.

``on_connect.handler`` (Python) names the file ``on_connect.py`` inside the deployment package;
``src/app.handler`` (Node.js) names ``src/app.js`` (or ``.mjs``/``.cjs``). Where the package
comes from decides where to look: a local directory (SAM ``CodeUri``, a Terraform
``archive_file`` source) is taken as it is; a local zip is matched byte for byte against the
files of the project; otherwise the project directory (the spec's) is searched. Paths come
back relative to the directory the spec will be written to.
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

SKIP_DIRS = {
    ".git",
    ".hg",
    "node_modules",
    ".aws-sam",
    ".serverless",
    ".terraform",
    "build",
    "cdk.out",
    "__pycache__",
    ".venv",
    "venv",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
}
MAX_FILES = 20_000
NODE_EXTS = (".js", ".mjs", ".cjs")


@dataclass
class Found:
    handler: str  # posix, relative to the spec's directory
    source: str | None  # posix, relative; None when it is the handler's directory
    entry: str
    note: str | None = None  # a guess, for a comment
    exact: bool = True


@dataclass
class FileIndex:
    """The project's files by name (one walk per import)."""

    root: str
    by_name: dict[str, list[str]] = field(default_factory=dict)
    walked: bool = False

    def candidates(self, rel_module: str) -> list[str]:
        """Files (relative to ``root``) whose path ends with ``rel_module``."""
        if not self.walked:
            self._walk()
        name = posixpath.basename(rel_module)
        out = []
        for rel in self.by_name.get(name, ()):
            if rel == rel_module or rel.endswith("/" + rel_module):
                out.append(rel)
        return sorted(out, key=lambda p: (p.count("/"), p))

    def _walk(self) -> None:
        self.walked = True
        count = 0
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(
                d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")
            )
            depth = os.path.relpath(dirpath, self.root).count(os.sep)
            if depth > 8:
                dirnames[:] = []
            for f in filenames:
                rel = os.path.relpath(os.path.join(dirpath, f), self.root).replace(os.sep, "/")
                self.by_name.setdefault(f, []).append(rel)
                count += 1
            if count > MAX_FILES:
                return


def module_files(handler: str, runtime: str | None) -> tuple[list[str], str]:
    """(candidate file paths inside the package, entry) of a Lambda handler string."""
    module, _, entry = handler.rpartition(".")
    if not module:
        module, entry = handler, "handler"
    if runtime is None or runtime.startswith("python"):
        py = module.replace(".", "/") + ".py" if "/" not in module else module + ".py"
        if runtime is not None:
            return [py], entry
        return [py] + [module + ext for ext in NODE_EXTS], entry
    return [module + ext for ext in NODE_EXTS] + [module + ".ts"], entry


def _token(text: str) -> str:
    """``OnConnectFunction``, ``on_connect`` and ``src/onconnect/app.js`` share ``onconnect``."""
    low = re.sub(r"[^a-z0-9]", "", text.lower())
    for affix in ("function", "lambda", "handler", "fn"):
        if low.endswith(affix) and len(low) > len(affix):
            return low[: -len(affix)]
    return low


def _rel(path: str, out_dir: str) -> str:
    return os.path.relpath(path, out_dir).replace(os.sep, "/")


def _found(out_dir: str, source_abs: str, module_rel: str, entry: str) -> Found:
    handler = _rel(os.path.join(source_abs, module_rel), out_dir)
    source = _rel(source_abs, out_dir)
    default = posixpath.dirname(handler) or "."
    return Found(handler, None if posixpath.normpath(source) == default else source, entry)


def locate(
    index: FileIndex,
    base_dir: str,
    code: dict[str, str],
    handler: str,
    runtime: str | None,
    function: str,
) -> Found:
    """Where the handler of ``function`` is, relative to ``index.root`` (the spec's directory)."""
    files, entry = module_files(handler, runtime)
    out_dir = index.root
    if code.get("Kind") == "dir":
        src = os.path.normpath(os.path.join(base_dir, code.get("Path") or "."))
        for rel in files:
            if os.path.isfile(os.path.join(src, rel)):
                return _checked(_found(out_dir, src, rel, entry), rel)
    if code.get("Kind") == "zip":
        found = _from_zip(index, os.path.join(base_dir, code.get("Path") or ""), files, entry)
        if found is not None:
            return found
    return _search(index, files, entry, function, code)


def _checked(found: Found, rel: str) -> Found:
    if rel.endswith(".ts"):
        found.handler = found.handler[:-3] + ".js"
        found.note = f"the handler is TypeScript ({rel}); wsspec runs the compiled .js"
        found.exact = False
    return found


def _from_zip(index: FileIndex, zip_path: str, files: list[str], entry: str) -> Found | None:
    if not os.path.isfile(zip_path):
        return None
    try:
        with zipfile.ZipFile(zip_path) as z:
            members = set(z.namelist())
            for rel in files:
                if rel not in members:
                    continue
                blob = z.read(rel)
                for cand in index.candidates(rel):
                    full = os.path.join(index.root, cand)
                    with open(full, "rb") as f:
                        if f.read() == blob:
                            src = full[: len(full) - len(rel)].rstrip("/\\") or index.root
                            return _found(index.root, src, rel, entry)
    except (OSError, zipfile.BadZipFile):
        return None
    return None


def _search(
    index: FileIndex, files: list[str], entry: str, function: str, code: dict[str, str]
) -> Found:
    for rel in files:
        cands = index.candidates(rel)
        if not cands:
            continue
        token = _token(function)
        best = sorted(cands, key=lambda c: (token not in _token(c), c.count("/"), c))
        full = os.path.join(index.root, best[0])
        src = full[: len(full) - len(rel)].rstrip("/\\") or index.root
        found = _checked(_found(index.root, src, rel, entry), rel)
        if len(cands) > 1:
            found.note = f"handler file chosen among {len(cands)} matches of {rel}"
            found.exact = False
        return found
    rel = files[0]
    where = {
        "inline": "the code is inline in the input",
        "s3": "the code is in S3",
        "image": "the function is a container image",
    }.get(code.get("Kind", ""), f"no {rel} found under the spec's directory")
    return Found(
        posixpath.join(function, rel),
        None,
        entry,
        note=f"handler path: {where}; put the handler at this path",
        exact=False,
    )
