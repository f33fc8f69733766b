#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of make bench.

Reads the BENCH-DATA lines that tests/lab/bench-matrix.sh printed into the
serial log of one boot (results/<run>/serial.log) and writes into that
folder: report.txt (printed too), report.json, iops-vs-qd.svg (gnuplot) and
the plot's data and script.  Every figure is a median over the rounds;
spread is (max - min) / median over the rounds.  Targets that are missed are
listed as MISS, never dropped.

usage: report.py <results dir>
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

UU, OU, UO, OO = ("upstream/upstream", "ours/upstream", "upstream/ours", "ours/ours")
COMBOS = (UU, OU, UO, OO)
SHORT = {UU: "up/up", OU: "our/up", UO: "up/our", OO: "our/our", "dom0": "dom0"}
KIND = {"rr": "4k randread", "rw": "4k randwrite", "sr": "1M seqread", "sw": "1M seqwrite",
        "ur": "4k randread io_uring batched", "uw": "4k randwrite io_uring batched",
        "up": "4k randread io_uring batched, hipri (polled)"}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def parse(d):
    """(samples, meta, order): samples[(combo, job)] = [dict per round]"""
    log = os.path.join(d, "serial.log")
    samples, meta, first_jobs = {}, {}, set()
    with open(log, errors="replace") as f:
        for line in f:
            if "DOMU>" in line:
                continue
            t = re.search(r"BENCH-TIME (.*)", line)
            if t:
                meta.setdefault("times", []).append(t.group(1))
                continue
            m = re.search(r"BENCH-(DATA|META) (.*)", line)
            if not m:
                continue
            kv = dict(p.split("=", 1) for p in m.group(2).split() if "=" in p)
            if m.group(1) == "META":
                meta.update(kv)
                continue
            key = (kv["combo"], kv["job"])
            rec = {k: (v if k in ("combo", "job") else num(v)) for k, v in kv.items()}
            samples.setdefault(key, []).append(rec)
    jobs = []
    for (_, j) in samples:
        if j not in jobs:
            jobs.append(j)
    if jobs:
        first_jobs.add(jobs[0])
    return samples, meta, jobs, first_jobs


def job_params(j):
    m = re.match(r"(\w\w)-q(\d+)-j(\d+)", j)
    return m.group(1), int(m.group(2)), int(m.group(3))


def derived(r):
    """per-round figures of one sample"""
    ios = r.get("ios") or 0
    out = {"iops": r.get("iops"), "mbs": (r.get("kbs") or 0) / 1024.0}
    cpu = (r.get("gcpu") or 0) + (r.get("dcpu") or 0)
    out["cpu10k"] = cpu / ios * 10000 if ios else None
    out["gcpu10k"] = (r.get("gcpu") or 0) / ios * 10000 if ios else None
    out["dcpu10k"] = (r.get("dcpu") or 0) / ios * 10000 if ios else None
    girq, dirq = r.get("girq"), r.get("dirq")
    out["notif"] = (girq + dirq) / ios if ios and girq is not None and dirq is not None else None
    out["girq_io"] = girq / ios if ios and girq is not None else None
    reqs, maps, unmaps = r.get("reqs"), r.get("maps"), r.get("unmaps")
    out["maps_req"] = maps / reqs if reqs and maps is not None else None
    out["unmaps_req"] = unmaps / reqs if reqs and unmaps is not None else None
    out["reqs_io"] = reqs / ios if reqs and ios else None
    return out


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def spread(vals):
    vals = [v for v in vals if v is not None]
    if len(vals) < 2:
        return None
    m = statistics.median(vals)
    return (max(vals) - min(vals)) / m if m else None


def fmt(v, p=0, w=0):
    s = "-" if v is None else f"{v:.{p}f}"
    return s.rjust(w) if w else s


def main():
    d = sys.argv[1]
    samples, meta, jobs, first_jobs = parse(d)
    if not samples:
        print(f"report: no BENCH-DATA lines in {d}/serial.log")
        return 1
    machine = {}
    mf = os.path.join(d, "machine.txt")
    if os.path.exists(mf):
        for line in open(mf):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                machine[k] = v
    rounds = sorted({int(r["round"]) for rs in samples.values() for r in rs})

    # medians and spreads per (combo, job)
    stats = {}
    for (c, j), rs in samples.items():
        per = [derived(r) for r in rs]
        st = {"rounds": len(rs)}
        for k in per[0]:
            st[k] = med([p[k] for p in per])
            st[k + "_spread"] = spread([p[k] for p in per])
        stats[(c, j)] = st

    def s(c, j, k):
        return stats.get((c, j), {}).get(k)

    def paired_ratio(j, a, b, k="iops"):
        """median over the rounds of a/b within the same round"""
        ra = {int(r["round"]): derived(r)[k] for r in samples.get((a, j), [])}
        rb = {int(r["round"]): derived(r)[k] for r in samples.get((b, j), [])}
        rs = [ra[x] / rb[x] for x in ra if x in rb and ra[x] and rb[x]]
        return (med(rs), min(rs) if rs else None, max(rs) if rs else None)

    lines, report = [], {"machine": machine, "meta": meta, "rounds": rounds, "workloads": [], "targets": []}
    lines.append("xen-blk benchmark: %s, %s rounds, %s s per job (+%s ramp), null_blk %s MiB in dom0" % (
        machine.get("date", "?"), len(rounds), meta.get("runtime", "?"), meta.get("ramp", "?"), meta.get("mib", "?")))
    lines.append("machine: %s, nproc %s, %s; lab: %s; kernel %s; load average %s -> %s" % (
        machine.get("host", "?"), machine.get("nproc", "?"), machine.get("cpu", "?"), machine.get("virt", "?"),
        meta.get("kernel", "?"), machine.get("loadavg_start", "?"), machine.get("loadavg_end", "?")))
    lines.append("the boot took %s s (make bench's own time is the boot plus image build and this report)" % machine.get("boot_seconds", "?"))
    lines.append("combinations are front/back; figures are medians over the rounds, ±x% = (max-min)/median")
    lines.append("")

    hdr = "%-13s %-8s %9s %6s %9s %9s %9s %6s %7s %7s %7s %8s %8s %8s %8s" % (
        "workload", "combo", "IOPS", "±%", "MB/s", "cpu/10k", "g+d", "±%", "notif", "maps", "unmaps",
        "req/io", "vs dom0", "", "")
    for j in jobs:
        kind, q, n = job_params(j)
        title = f"{KIND.get(kind, kind)} qd{q} x{n} jobs ({j})"
        lines.append("== " + title + (" [first job after attach: warm-up]" if j in first_jobs else ""))
        lines.append("  %-8s %9s %5s %8s %9s %15s %6s %6s %6s %6s %6s %7s" % (
            "combo", "IOPS", "±%", "MB/s", "cpu/10k", "(guest+dom0)", "±%", "notif", "girq", "maps", "unmaps", "eff"))
        base = s("dom0", j, "iops")
        wl = {"job": j, "kind": kind, "qd": q, "numjobs": n, "warmup": j in first_jobs, "combos": {}}
        for c in ("dom0",) + COMBOS:
            if (c, j) not in stats:
                continue
            st = stats[(c, j)]
            eff = st["iops"] / base if base and st["iops"] is not None and c != "dom0" else None
            lines.append("  %-8s %9s %5s %8s %9s %15s %6s %6s %6s %6s %6s %7s" % (
                SHORT[c], fmt(st["iops"], 0), fmt(100 * st["iops_spread"] if st["iops_spread"] is not None else None, 0),
                fmt(st["mbs"], 1), fmt(st["cpu10k"], 2),
                "%s+%s" % (fmt(st["gcpu10k"], 2), fmt(st["dcpu10k"], 2)),
                fmt(100 * st["cpu10k_spread"] if st["cpu10k_spread"] is not None else None, 0),
                fmt(st["notif"], 2), fmt(st["girq_io"], 2), fmt(st["maps_req"], 3), fmt(st["unmaps_req"], 3), fmt(eff, 2)))
            wl["combos"][c] = dict(st, efficiency=eff)
        if kind == "up":
            # hipri polls only where the disk has polled queues (queue/io_poll)
            lines.append("  polled (hipri with io_poll 1) in every round: " + ", ".join(
                "%s %s" % (SHORT[c], "yes" if all(r.get("polled") for r in samples[(c, j)]) else "no (interrupts)")
                for c in ("dom0",) + COMBOS if (c, j) in samples))
        r, lo, hi = paired_ratio(j, OO, UU)
        rc = s(OO, j, "cpu10k"), s(UU, j, "cpu10k")
        cr = rc[0] / rc[1] if None not in rc and rc[1] else None
        lines.append("  ours/ours vs upstream/upstream: IOPS x%s (per-round %s..%s), CPU per I/O x%s;"
                     " front only (our/up vs up/up) x%s, back only (up/our vs up/up) x%s" % (
                         fmt(r, 2), fmt(lo, 2), fmt(hi, 2), fmt(cr, 2),
                         fmt(paired_ratio(j, OU, UU)[0], 2), fmt(paired_ratio(j, UO, UU)[0], 2)))
        lines.append("")
        wl["ratio_iops_oo_uu"] = r
        wl["ratio_iops_oo_uu_range"] = [lo, hi]
        wl["ratio_cpu_oo_uu"] = cr
        wl["ratio_iops_ou_uu"] = paired_ratio(j, OU, UU)[0]
        wl["ratio_iops_uo_uu"] = paired_ratio(j, UO, UU)[0]
        report["workloads"].append(wl)

    # targets: one line per target, the workloads that miss it named
    tg = []

    def target(name, job, ok, detail, have=True):
        if detail.endswith("-") or not have:
            detail += " (no data)"
        tg.append({"target": name, "job": job, "ok": ok, "detail": detail})

    # io_uring jobs submit and reap in batches of BENCH_UBATCH (tests/lab/bench-matrix.sh):
    # the boot's BENCH-META line says how many, 16 before it did
    ubatch = int(meta.get("ubatch") or 16)
    for wl in report["workloads"]:
        j, r = wl["job"], wl["ratio_iops_oo_uu"]
        lo = wl["ratio_iops_oo_uu_range"][0]
        if wl["kind"] == "rr" and wl["qd"] >= 32:
            target("IOPS ours/ours >= 1.15 x upstream/upstream (4k randread, qd >= 32)", j,
                   r is not None and r >= 1.15, f"x{fmt(r, 2)}")
        elif wl["kind"] in ("ur", "uw") and wl["qd"] >= 32:
            target("IOPS ours/ours >= 1.25 x upstream/upstream, every round >= 1.0 (io_uring batched, qd >= 32)",
                   j, r is not None and r >= 1.25 and lo is not None and lo >= 1.0,
                   f"x{fmt(r, 2)} (lowest round x{fmt(lo, 2)})", r is not None)
            n = s(OO, j, "notif")
            target("notifications per I/O (both directions) <= 2 per submitted batch, ours/ours (io_uring batched)",
                   j, n is not None and n <= 2.0 / ubatch, f"{fmt(n, 3)} (bound {2.0 / ubatch:.3f})", n is not None)
        elif wl["kind"] == "up":
            # polled ours/ours against upstream/upstream's interrupt-driven figure of the same job
            target("IOPS ours/ours polled >= 1.3 x upstream/upstream (hipri; upstream completes by interrupt)",
                   j, r is not None and r >= 1.3, f"x{fmt(r, 2)}")
            gi = s(OO, j, "girq_io")
            target("guest interrupts per I/O <= 0.02 on polled queues, ours/ours", j,
                   gi is not None and gi <= 0.02, f"{fmt(gi, 3)}")
        else:
            target("IOPS ours/ours >= 1.0 x upstream/upstream", j, r is not None and r >= 1.0, f"x{fmt(r, 2)}")
        cr = wl["ratio_cpu_oo_uu"]
        target("CPU s per I/O (guest + dom0) ours/ours <= upstream/upstream", j, cr is not None and cr <= 1.0,
               f"x{fmt(cr, 2)}")
        if not wl["warmup"]:
            for c in (OO, UO):
                m = s(c, j, "maps_req")
                target(f"new grant maps per request < 0.01, steady state ({SHORT[c]})", j,
                       m is not None and m < 0.01, f"{fmt(m, 4)}")
        if wl["kind"] in ("sr", "sw"):
            e = wl["combos"].get(OO, {}).get("efficiency")
            target("efficiency ours/ours vs dom0-local >= 0.9 (1 MiB sequential)", j,
                   e is not None and e >= 0.9, f"{fmt(e, 2)}")
    report["targets"] = tg
    miss = [t for t in tg if not t["ok"]]
    lines.append("== targets: %d of %d checks met, %d MISSED" % (len(tg) - len(miss), len(tg), len(miss)))
    names = []
    for t in tg:
        if t["target"] not in names:
            names.append(t["target"])
    for n in names:
        ts = [t for t in tg if t["target"] == n]
        bad = [t for t in ts if not t["ok"]]
        lines.append("  %s %s: %d/%d workloads" % ("ok  " if not bad else "MISS", n, len(ts) - len(bad), len(ts)))
        lines.append("       " + ", ".join("%s %s%s" % (t["job"], t["detail"], "" if t["ok"] else " MISS")
                                          for t in ts))
    lines.append("")
    lines.append("How the figures are obtained (per job; the job's interval is bounded by fio exec_prerun/"
                 "exec_postrun in the guest, which hands each boundary to dom0 through a XenStore watch"
                 " without waiting; dom0's interval is late by the watch's latency at both ends):")
    lines.append("  IOPS, MB/s: fio (read+write) over the job's runtime.  I/Os for the per-I/O figures:"
                 " sectors moved in /sys/block/<disk>/stat during the interval / block size.")
    lines.append("  cpu/10k: CPU seconds of guest + dom0 per 10,000 I/Os, from the busy jiffies"
                 " (user+nice+system+irq+softirq) of each domain's own /proc/stat; dom0's includes"
                 " its sampling and XenStore traffic, the same for every combination.")
    lines.append("  notif: event channel interrupts per I/O, guest 'blkif' + dom0 'blkif-backend'"
                 " lines of /proc/interrupts; girq/io: the guest's alone.")
    lines.append("  maps/unmaps: backend statistics/map_ops, unmap_ops per backend request"
                 " (statistics/requests); upstream's backend exposes no grant counters ('-').")
    lines.append("  eff: IOPS / dom0-local IOPS of the same job on the same device (measured in the first round).")
    lines.append("  Under QEMU TCG every figure is far below real hardware and the host is shared:"
                 " compare ratios, not absolute numbers.")

    # plot: IOPS against queue depth, one panel per random kind x numjobs
    panels = []
    for kind in ("rr", "rw", "ur", "uw", "up"):
        for n in sorted({job_params(j)[2] for j in jobs if job_params(j)[0] == kind}):
            qs = sorted({job_params(j)[1] for j in jobs if job_params(j)[0] == kind and job_params(j)[2] == n})
            if qs:
                panels.append((kind, n, qs))
    plot = None
    if panels:
        dat = os.path.join(d, "iops-vs-qd.dat")
        with open(dat, "w") as f:
            for kind, n, qs in panels:
                f.write(f"# {KIND[kind]} numjobs={n}: qd dom0 " + " ".join(COMBOS) + "\n")
                for q in qs:
                    j = f"{kind}-q{q}-j{n}"
                    f.write("%d %s\n" % (q, " ".join(fmt(s(c, j, "iops"), 1).replace("-", "NaN")
                                                      for c in ("dom0",) + COMBOS)))
                f.write("\n\n")
        gp = os.path.join(d, "iops-vs-qd.gp")
        cols = len(panels)
        with open(gp, "w") as f:
            f.write('set terminal svg size %d,420 dynamic font "sans,11"\n' % (430 * cols))
            f.write('set output "%s"\n' % os.path.join(d, "iops-vs-qd.svg"))
            f.write('set multiplot layout 1,%d title "xen-blk: IOPS against queue depth (%s, medians of %d rounds)"\n'
                    % (cols, machine.get("date", ""), len(rounds)))
            f.write("set logscale x 2\nset xlabel 'queue depth'\nset ylabel 'IOPS'\nset key top left\n"
                    "set grid\nset yrange [0:*]\n")
            for i, (kind, n, qs) in enumerate(panels):
                # only the combinations that have figures (gnuplot refuses an all-undefined curve)
                have = [(k, c) for k, c in enumerate(COMBOS)
                        if any(s(c, f"{kind}-q{q}-j{n}", "iops") is not None for q in qs)]
                f.write("set title '%s, %d job(s)'\n" % (KIND[kind], n))
                if not have:
                    f.write("set label 1 'no guest figures' at graph 0.5,0.5 center\n"
                            "plot [1:2] [0:1] NaN notitle\nunset label 1\n")
                    continue
                f.write("plot " + ", ".join(
                    "'%s' index %d using 1:%d with linespoints title '%s'" % (dat, i, k + 3, SHORT[c])
                    for k, c in have) + "\n")
            f.write("unset multiplot\n")
        if shutil.which("gnuplot"):
            p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
            if p.returncode == 0:
                plot = os.path.join(d, "iops-vs-qd.svg")
            else:
                lines.append("plot: gnuplot failed: " + p.stderr.strip()[:300])
        else:
            lines.append("plot: gnuplot is not installed (make setup installs gnuplot-nox)")
    report["plot"] = plot
    if meta.get("times"):
        lines.append("")
        lines.append("time per guest fio run (the rest of a job's wall time is fio's start and the boundaries):")
        lines.extend("  " + t for t in meta["times"])
    lines.append("")
    lines.append("plot: " + (plot or "none"))

    # the compact table that README.md's Benchmark section shows
    md = ["%s, %s (nproc %s), %s; Linux %s; %d round(s) of %s s jobs (+%s ramp), medians;"
          " host load average %s -> %s; boot %s s." % (
              machine.get("date", "?"), machine.get("cpu", "?"), machine.get("nproc", "?"), machine.get("virt", "?"),
              meta.get("kernel", "?"), len(rounds), meta.get("runtime", "?"), meta.get("ramp", "?"),
              machine.get("loadavg_start", "?"), machine.get("loadavg_end", "?"), machine.get("boot_seconds", "?")),
        "",
        "| workload | dom0 IOPS | up/up | our/up | up/our | our/our | our/our ÷ up/up (per-round range) |"
        " eff our/our | cpu s/10k I/O up/up → our/our | notif/I/O up/up → our/our | maps/req our/our |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for wl in report["workloads"]:
        j = wl["job"]
        lo, hi = wl["ratio_iops_oo_uu_range"]
        md.append("| %s | %s | %s | %s | %s | %s | %s (%s..%s) | %s | %s → %s | %s → %s | %s |" % (
            j, fmt(s("dom0", j, "iops")), fmt(s(UU, j, "iops")), fmt(s(OU, j, "iops")), fmt(s(UO, j, "iops")),
            fmt(s(OO, j, "iops")), fmt(wl["ratio_iops_oo_uu"], 2), fmt(lo, 2), fmt(hi, 2),
            fmt(wl["combos"].get(OO, {}).get("efficiency"), 2), fmt(s(UU, j, "cpu10k"), 1), fmt(s(OO, j, "cpu10k"), 1),
            fmt(s(UU, j, "notif"), 2), fmt(s(OO, j, "notif"), 2), fmt(s(OO, j, "maps_req"), 3)))
    md.append("")
    for n in names:
        ts = [t for t in tg if t["target"] == n]
        bad = [t["job"] + " " + t["detail"] for t in ts if not t["ok"]]
        md.append("- %s %s: %d/%d%s" % ("ok" if not bad else "**MISS**", n, len(ts) - len(bad), len(ts),
                                        (" (missed: " + ", ".join(bad) + ")") if bad else ""))
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    text = "\n".join(lines) + "\n"
    with open(os.path.join(d, "report.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(d, "report.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
