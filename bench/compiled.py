"""What compiling cjx's own translation code would give: mypyc and Cython against pure Python.

Run from the repository root (not part of the test suite; needs a C compiler; about three
minutes, most of it compiling)::

    .venv/bin/python bench/compiled.py                  # every tool that is installed
    .venv/bin/python bench/compiled.py --tools mypyc    # one tool
    .venv/bin/pip install -e ".[bench]"                 # brings Cython (mypy comes with dev)

Issue 10 allows compiling (mypyc, Cython) if ``pip install .`` keeps working without a compiler.
This script measures what that would buy, so the decision rests on a figure. It copies ``src/``
and ``adapters/`` to a temporary folder, compiles the modules that run on every court message
(the libra-spi decoder and builder, the hardened parser, the canonical writer and the pipeline;
not the pydantic model modules, which neither tool can compile) with each tool, unchanged, and
times ``cjx.pipeline.translate`` of the court sample and of the 50-offence case to canonical XML
in a child process per variant, the variants interleaved over the rounds. The pure-Python child
also times (a) and (b) of ``bench/throughput.py`` so that the time the sample's bar asks for
(``min(4 x (a), (b) / 10)``) is printed beside the figures.

Figures are CPU time (``time.process_time``), medians of the rounds, with the load average.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
REPO: Final = HERE.parent

#: The modules on the path of every court message, as files of the copy (whose packages sit
#: side by side at its root: src/cjx as cjx, adapters/cjx_libra_spi as cjx_libra_spi).
MODULES: Final = (
    "cjx_libra_spi/_decode.py",
    "cjx/codec/_xmlparse.py",
    "cjx/codec/_canonical.py",
    "cjx/pipeline.py",
)
#: mypyc refuses surrogate code points in a string literal; the copy spells them with chr()
#: (the same pattern, the same matches).
_SURROGATES: Final = ("\\ud800-\\udfff", '" + chr(0xD800) + "-" + chr(0xDFFF) + "')

CHILD: Final = r"""
import datetime as dt, io, json, sys, time
sys.path.append(sys.argv[1])
import large_case
from cjx.pipeline import translate
import cjx.codec._canonical, cjx.codec._xmlparse, cjx.pipeline, cjx_libra_spi._decode
modules = (cjx_libra_spi._decode, cjx.codec._xmlparse, cjx.codec._canonical, cjx.pipeline)
now = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
clock = lambda: now
compiled = [not m.__file__.endswith(".py") for m in modules]
peers = sys.argv[2] == "peers"
out = {"compiled": compiled}
for name, data, n in (
    ("sample", large_case.SAMPLE.read_bytes(), 2000),
    ("large", large_case.DEFAULT_OUTPUT.read_bytes(), 200),
):
    def d():
        outcome = translate(data, from_format="libra-spi", to_format="canonical-xml", clock=clock)
        assert outcome.ok and outcome.outputs[0]
    stages = {"d": (d, n)}
    if peers:
        import xmlschema
        from lxml import etree
        root = large_case.REPO / "schemas/formats/libra-spi/deliver-request.xsd"
        xsd = etree.XMLSchema(etree.parse(str(root)))
        peer = xmlschema.XMLSchema(str(root))
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        stages["a"] = (lambda: xsd.validate(etree.fromstring(data, parser)), n)
        stages["b"] = (
            lambda: peer.is_valid(io.BytesIO(data), use_location_hints=False),
            max(n // 10, 5),
        )
    for stage, (f, count) in stages.items():
        for _ in range(max(count // 5, 1)):
            f()
        start = time.process_time()
        for _ in range(count):
            f()
        out[f"{name}.{stage}"] = (time.process_time() - start) / count * 1e6
print(json.dumps(out))
"""


def build(tool: str, root: Path) -> Path:
    """A copy of cjx and the adapters with ``MODULES`` compiled by ``tool``; its root."""
    target = root / tool
    for package in [REPO / "src/cjx", *sorted((REPO / "adapters").glob("cjx_*"))]:
        shutil.copytree(package, target / package.name, ignore=shutil.ignore_patterns("tests"))
    (target / "cjx/_schemas").symlink_to(REPO / "schemas")
    if tool == "mypyc":
        canonical = target / "cjx/codec/_canonical.py"
        text = canonical.read_text(encoding="utf-8")
        if _SURROGATES[0] not in text:
            raise SystemExit(f"{canonical.name}: the surrogate range to respell is not there")
        canonical.write_text(text.replace(*_SURROGATES), encoding="utf-8")
        command = [str(Path(sys.executable).with_name("mypyc")), *MODULES]
    else:
        names = [m.removesuffix(".py").replace("/", ".") for m in MODULES]
        (target / "setup_cython.py").write_text(
            "from setuptools import Extension, setup\n"
            "from Cython.Build import cythonize\n"
            f"modules = {list(zip(names, MODULES, strict=True))!r}\n"
            "setup(name='cjx-compiled-probe', ext_modules=cythonize(\n"
            "    [Extension(name, [path]) for name, path in modules],\n"
            "    compiler_directives={'language_level': 3}, quiet=True))\n",
            encoding="utf-8",
        )
        command = [sys.executable, "setup_cython.py", "build_ext", "--inplace"]
    print(f"compiling with {tool} ...", flush=True)
    done = subprocess.run(command, cwd=target, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tool} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    missing = [m for m in MODULES if not list((target / m).parent.glob(Path(m).stem + ".*.so"))]
    if missing:
        raise SystemExit(f"{tool} built no extension for {', '.join(missing)}")
    return target


def run_child(root: Path | None, peers: bool) -> dict[str, Any]:
    env = dict(os.environ)
    if root is not None:
        env["PYTHONPATH"] = str(root)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(HERE), "peers" if peers else "-"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the timing child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", default="mypyc,cython")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    tools: list[str] = []
    for tool in wanted:
        module = {"mypyc": "mypyc", "cython": "Cython"}.get(tool)
        if module is None:
            parser.error(f"unknown tool {tool!r}: expected mypyc or cython")
        if importlib.util.find_spec(module) is None:
            print(f"skipped {tool}: not installed (pip install -e '.[dev,bench]')")
        else:
            tools.append(tool)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="cjx-compiled-") as folder:
        roots: dict[str, Path | None] = {"pure": None}
        for tool in tools:
            roots[tool] = build(tool, Path(folder))
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in roots}
        for round_ in range(args.rounds):
            for name, root in roots.items():
                result = run_child(root, peers=name == "pure")
                if result.pop("compiled") != [root is not None] * len(MODULES):
                    raise SystemExit(f"{name}: the child did not load the modules it should")
                runs[name].append(result)
            print(f"round {round_ + 1}/{args.rounds}", flush=True)
    load_after = os.getloadavg()
    medians = {
        name: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for name, results in runs.items()
    }
    pure = medians["pure"]
    need = {
        case: min(4 * pure[f"{case}.a"], pure[f"{case}.b"] / 10) for case in ("sample", "large")
    }
    if args.json:
        print(json.dumps({"medians_us": medians, "bar_needs_us": need}, indent=2))
        return 0
    print(f"\nCPU µs a message, median of {args.rounds} interleaved rounds")
    print(f"{'variant':10s} {'sample':>9s} {'of pure':>8s} {'large':>9s} {'of pure':>8s}")
    for name, figures in medians.items():
        s, lg = figures["sample.d"], figures["large.d"]
        print(
            f"{name:10s} {s:9.1f} {s / pure['sample.d']:8.3f} {lg:9.1f} {lg / pure['large.d']:8.3f}"
        )
    for case in ("sample", "large"):
        print(
            f"the {case}'s bar asks (d) <= {need[case]:.0f} µs "
            f"((a) {pure[case + '.a']:.0f} µs, (b) {pure[case + '.b']:.0f} µs): "
            f"{need[case] / pure[case + '.d']:.2f} of pure"
        )
    print(
        "load average (1, 5, 15 min): "
        f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} after"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
