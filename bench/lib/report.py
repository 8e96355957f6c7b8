#!/usr/bin/env python3
"""Helpers for bench/run.sh: output equality checks, result annotation, the ratio table.

    report.py same-json A B       exit 1 (with the first difference) unless A and B hold
                                  equal JSON values
    report.py same-yaml A B       the same for YAML documents
    report.py annotate RESULT.json RSS.tsv CASE DESC LOAD_BEFORE LOAD_AFTER BERTH REF
                                  add tools, variants, medians, peak RSS and the machine
                                  to hyperfine's export
    report.py table RESULT.json...
                                  print the markdown table of medians and ratios
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import sys


def first_difference(a, b, path="$"):
    """The path and values of the first place where a and b differ, or None."""
    if type(a) is not type(b):
        return path, a, b
    if isinstance(a, dict):
        for k in a:
            if k not in b:
                return f"{path}.{k}", a[k], "<missing>"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        for k in b:
            if k not in a:
                return f"{path}.{k}", "<missing>", b[k]
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{path}.length", len(a), len(b)
        return None
    return None if a == b else (path, a, b)


def same(kind: str, a_path: str, b_path: str) -> int:
    with open(a_path, encoding="utf-8") as f:
        a_text = f.read()
    with open(b_path, encoding="utf-8") as f:
        b_text = f.read()
    try:
        if kind == "json":
            a, b = json.loads(a_text), json.loads(b_text)
        else:
            import yaml  # only this check needs PyYAML

            a, b = yaml.safe_load(a_text), yaml.safe_load(b_text)
    except ValueError as e:
        print(f"not valid {kind}: {e}", file=sys.stderr)
        return 1
    d = first_difference(a, b)
    if d is None:
        return 0

    def show(v):
        s = json.dumps(v, default=str)
        return s if len(s) < 300 else s[:300] + "..."

    path, x, y = d
    print(f"{kind} outputs differ at {path}:", file=sys.stderr)
    print(f"  {a_path}: {show(x)}", file=sys.stderr)
    print(f"  {b_path}: {show(y)}", file=sys.stderr)
    return 1


def machine(load_before: str, load_after: str) -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kb = 0
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "mem_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "nice": os.nice(0),
    }


def annotate(result: str, rss: str, case: str, desc: str, load_before: str, load_after: str,
             berth: str, ref: str) -> int:
    with open(result, encoding="utf-8") as f:
        data = json.load(f)
    mem: dict[str, list[int]] = {}
    with open(rss, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            name, kb = line.rstrip("\n").split("\t")
            mem.setdefault(name, []).append(int(kb))
    for r in data["results"]:
        tool, _, variant = r["command"].partition(" ")
        r["tool"], r["variant"] = tool, variant
        r["median"] = statistics.median(r["times"])
        samples = mem.get(r["command"], [])
        r["peak_rss_kib"] = samples
        r["peak_rss_kib_median"] = statistics.median(samples) if samples else None
    data["case"] = case
    data["description"] = desc
    data["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    data["machine"] = machine(load_before, load_after)
    data["binaries"] = {"berth": berth, "reference": ref}
    with open(result, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    return 0


def fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def fmt_mem(kib: float | None) -> str:
    if kib is None:
        return "-"
    return f"{kib / 1024:.1f} MiB"


def cpu(r: dict | None) -> float | None:
    """Mean user+system CPU seconds of a run: steadier than wall time on a loaded machine."""
    if not r or r.get("user") is None or r.get("system") is None:
        return None
    return r["user"] + r["system"]


def table(paths: list[str]) -> int:
    rows = [
        "| case | variant | berth time | reference time | **ref/berth time** | ref/berth CPU "
        "| berth peak RSS | reference peak RSS | **berth/ref RSS** | baseline time "
        "| load (1/5/15 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in paths:
        with open(p, encoding="utf-8") as f:
            data = json.load(f)
        by_variant: dict[str, dict[str, dict]] = {}
        for r in data["results"]:
            by_variant.setdefault(r["variant"], {})[r["tool"]] = r
        for variant, tools in by_variant.items():
            b, ref, base = tools.get("berth"), tools.get("reference"), tools.get("baseline")
            bt = b["median"] if b else None
            rt = ref["median"] if ref else None
            bm = b["peak_rss_kib_median"] if b else None
            rm = ref["peak_rss_kib_median"] if ref else None
            tr = f"**{rt / bt:.1f}x**" if bt and rt else "-"
            bc, rc = cpu(b), cpu(ref)
            cr = f"{rc / bc:.1f}x ({fmt_time(bc)} / {fmt_time(rc)})" if bc and rc else "-"
            mr = f"**{bm / rm:.2f}**" if bm and rm else "-"
            base_s = fmt_time(base["median"]) if base else "-"
            if base and bt:
                base_s += f" (berth/baseline {bt / base['median']:.2f})"
            rows.append(
                f"| {data['case']} | {variant} | {fmt_time(bt)} | {fmt_time(rt)} | {tr} | {cr} | "
                f"{fmt_mem(bm)} | {fmt_mem(rm)} | {mr} | {base_s} | "
                f"{data['machine']['load_average_before']} |"
            )
    print("\n".join(rows))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 4 and argv[1] in ("same-json", "same-yaml"):
        return same(argv[1][5:], argv[2], argv[3])
    if len(argv) == 10 and argv[1] == "annotate":
        return annotate(*argv[2:])
    if len(argv) >= 3 and argv[1] == "table":
        return table(argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
