"""Regenerate the golden output trees of every sample for every registered target.

    python scripts/regen_golden.py            # rewrite tests/golden/<sample>/<target>/...
    python scripts/regen_golden.py --check    # exit 1 and name what is out of date

Generic over ``wsspec.targets.TARGETS``: every target except ``stubs`` (user-owned files, not
generated output) whose module is installed gets ``tests/golden/<sample>/<target>/``, holding
the files the target writes under the build directory, minus function zips (binary, and
covered by the determinism tests).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wsspec.build import available, build_dir
from wsspec.targets import TARGETS, BuildContext, load
from wsspec.validate import validate_file

GOLDEN = ROOT / "tests" / "golden"
SAMPLES = ROOT / "samples"
SKIP_TARGETS = ("stubs",)


def golden_targets() -> list[str]:
    return [t for t in TARGETS if t not in SKIP_TARGETS and available(t)]


def render(sample: Path, target: str) -> dict[str, bytes]:
    """{path relative to tests/golden/<sample>/: content} of one target for one sample."""
    result = validate_file(str(sample))
    if result.spec is None:
        raise SystemExit(f"{sample}: invalid spec: " + "; ".join(f.render() for f in result.errors))
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = build_dir(result.spec, Path(tmp))
        ctx = BuildContext(out_dir=out_dir, functions_dir=out_dir / "functions")
        files = {}
        for out in load(target).render(result.spec, ctx):
            try:
                rel = out.path.relative_to(out_dir)
            except ValueError:
                continue  # outside the build directory (e.g. files in the project)
            if rel.parts[0] == "functions" or rel.suffix == ".zip":
                continue
            files[rel.as_posix()] = out.content
    return files


def samples() -> list[Path]:
    return sorted(SAMPLES.glob("*.yaml"))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale: list[str] = []
    for sample in samples():
        for target in golden_targets():
            files = render(sample, target)
            tdir = GOLDEN / sample.stem / target
            existing = (
                {
                    p.relative_to(GOLDEN / sample.stem).as_posix()
                    for p in tdir.rglob("*")
                    if p.is_file()
                }
                if tdir.exists()
                else set()
            )
            for rel, content in sorted(files.items()):
                path = GOLDEN / sample.stem / rel
                if path.exists() and path.read_bytes() == content:
                    continue
                stale.append(str(path.relative_to(ROOT)))
                if not check:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(content)
            for rel in sorted(existing - set(files)):
                path = GOLDEN / sample.stem / rel
                stale.append(f"{path.relative_to(ROOT)} (no longer produced)")
                if not check:
                    path.unlink()
    for s in stale:
        print(("stale    " if check else "updated  ") + s)
    if check and stale:
        print(f"{len(stale)} golden file(s) out of date; run: python scripts/regen_golden.py")
        return 1
    print(
        f"golden files {'up to date' if not stale else 'regenerated'} "
        f"({len(samples())} samples x {', '.join(golden_targets())})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
