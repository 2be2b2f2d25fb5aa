"""Command line: python -m nnviz list | run LAB | export LAB | bench [LAB ...]

python -m nnviz list
python -m nnviz run attention --set task=sort --set n_layers=2
python -m nnviz export attention --out figs --format png,svg,html,json --set lr=0.01
python -m nnviz bench [LAB ...] [--json FILE] [--no-app]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from nnviz import catalog

ROOT = Path(__file__).resolve().parents[1]


def _parse_sets(lab_module, pairs: list[str]):
    from nnviz.core.params import ConfigError

    mapping = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"--set expects key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        mapping[key.strip()] = value.strip()
    try:
        config, _ = lab_module.Config.from_strings(mapping, strict=True)
    except ConfigError as err:
        raise SystemExit(f"invalid setting: {err}") from None
    return config


def _progress(step: int, total: int, metrics: dict) -> None:
    width = 30
    done = int(width * step / max(total, 1))
    loss = metrics.get("loss", float("nan"))
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {step}/{total} loss {loss:.4f}")
    sys.stderr.flush()
    if step >= total:
        sys.stderr.write("\n")


def _lab(name: str):
    try:
        return catalog.load(name)
    except KeyError as err:
        raise SystemExit(str(err.args[0])) from None


def cmd_list(args) -> int:
    for section, labs in catalog.sections().items():
        print(section)
        for lab in labs:
            print(f"  {lab.name:<20} {lab.title}: {lab.blurb}")
    return 0


def cmd_run(args) -> int:
    lab = _lab(args.lab)
    config = _parse_sets(lab, args.set)
    result = lab.run(config, progress=None if args.quiet else _progress)
    summary = result.summary()
    if args.json:
        print(json.dumps({"lab": args.lab, "config": config.to_dict(), "summary": summary}, indent=2, default=str))
    else:
        print(f"{args.lab} on {result.device}: " + ", ".join(f"{k}={v:.4g}" for k, v in summary.items()))
    if result.warning():
        print("warning: " + result.warning(), file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from nnviz import export

    lab = _lab(args.lab)
    config = _parse_sets(lab, args.set)
    formats = tuple(f.strip().lower() for f in args.format.split(",") if f.strip())
    unknown = [f for f in formats if f not in export.FORMATS]
    if unknown:
        raise SystemExit(f"unknown format(s) {', '.join(unknown)}; formats: {', '.join(export.FORMATS)}")
    result = lab.run(config, progress=None if args.quiet else _progress)
    figures = result.figures()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",")]
        figures = {k: v for k, v in figures.items() if k in wanted}
    written, notes = export.write(figures, args.out, formats)
    with open(os.path.join(args.out, "config.json"), "w") as fh:
        json.dump(config.to_dict(), fh, indent=2)
    for note in notes:
        print("note: " + note, file=sys.stderr)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


# ----------------------------------------------------------------------------- bench


def _bench_one(name: str) -> dict:
    """Runs in its own process so that peak memory belongs to this lab alone."""
    import resource

    t0 = time.perf_counter()
    lab = catalog.load(name)
    import_s = time.perf_counter() - t0

    import torch

    from nnviz.core.device import get_device

    config = lab.Config()
    t0 = time.perf_counter()
    result = lab.run(config)
    cold_s = time.perf_counter() - t0  # first run in a fresh process: lazy imports, first-call kernels
    t0 = time.perf_counter()
    result = lab.run(config)
    train_s = time.perf_counter() - t0  # what every later visitor with new settings waits
    t0 = time.perf_counter()
    figures = result.figures()
    figures_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result.figures()
    figures_again_s = time.perf_counter() - t0
    out = {
        "lab": name,
        "device": str(get_device()),
        "import_s": import_s,
        "train_cold_s": cold_s,
        "train_s": train_s,
        "figures_s": figures_s,
        "figures_again_s": figures_again_s,
        "n_figures": len(figures),
        "summary": result.summary(),
    }
    if os.environ.get("NNVIZ_BENCH_APP", "1") == "1":
        out.update(_bench_page(name))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if torch.cuda.is_available():
        out["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return out


def _bench_page(name: str) -> dict:
    """The page script's first visit and revisit, measured in its own process by nnviz.ui.bench
    (the CLI itself never imports streamlit)."""
    proc = subprocess.run([sys.executable, "-m", "nnviz.ui.bench", name], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"page_errors": [proc.stderr[-2000:]]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _import_time() -> float:
    code = "import time; t = time.perf_counter(); import nnviz, nnviz.catalog; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip())


def _app_start_time(timeout: float = 60.0) -> float:
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        return float("nan")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cmd_bench(args) -> int:
    names = args.labs or [lab.name for lab in catalog.LABS]
    for name in names:
        catalog.get(name)  # fail fast on a typo
    report: dict = {"python": sys.version.split()[0], "cpu_count": os.cpu_count(), "labs": []}
    report["import_nnviz_s"] = min(_import_time() for _ in range(3))
    print(f"import nnviz (no lab): {report['import_nnviz_s']:.3f} s")
    if not args.no_app:
        report["app_start_to_healthy_s"] = _app_start_time()
        print(f"app start to healthy:  {report['app_start_to_healthy_s']:.2f} s")
    env = {**os.environ, "NNVIZ_BENCH_APP": "0" if args.no_app else "1"}
    header = f"{'lab':<20}{'device':<8}{'cold s':>8}{'train s':>9}{'figures s':>11}{'page 1st s':>12}{'revisit s':>11}{'peak MB':>9}"
    print(header)
    for name in names:
        proc = subprocess.run([sys.executable, "-m", "nnviz", "_bench_one", name], capture_output=True, text=True, cwd=ROOT, env=env)
        if proc.returncode != 0:
            print(f"{name:<20}FAILED\n{proc.stderr[-2000:]}")
            report["labs"].append({"lab": name, "error": proc.stderr[-2000:]})
            continue
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        report["labs"].append(row)
        page1 = row.get("page_first_s", float("nan"))
        revisit = row.get("page_revisit_s", float("nan"))
        print(
            f"{name:<20}{row['device']:<8}{row.get('train_cold_s', float('nan')):>8.2f}{row['train_s']:>9.2f}{row['figures_s']:>11.3f}{page1:>12.2f}{revisit:>11.3f}{row['peak_rss_mb']:>9.0f}"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2, default=str)
        print(f"wrote {args.json}")
    return 0 if all("error" not in r for r in report["labs"]) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnviz", description="nnviz labs from the command line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the labs")
    p = sub.add_parser("run", help="train a lab and print its metrics")
    p.add_argument("lab")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change a setting (repeatable)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = sub.add_parser("export", help="train a lab and write its figures")
    p.add_argument("lab")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--format", default="png,svg,pdf,html,json", help="comma-separated: png,svg,pdf,html,csv,json")
    p.add_argument("--only", default="", help="comma-separated figure names (default: all)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--quiet", action="store_true")
    p = sub.add_parser("bench", help="time training, figures and page revisits per lab")
    p.add_argument("labs", nargs="*")
    p.add_argument("--json", help="also write the report to this file")
    p.add_argument("--no-app", action="store_true", help="skip app start and page timings")
    p = sub.add_parser("_bench_one")
    p.add_argument("lab")
    args = parser.parse_args(argv)
    if args.command == "_bench_one":
        print(json.dumps(_bench_one(args.lab), default=str))
        return 0
    return {"list": cmd_list, "run": cmd_run, "export": cmd_export, "bench": cmd_bench}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
