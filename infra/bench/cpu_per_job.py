#!/usr/bin/env python3
"""CPU time per job by process, around one load run: where small jobs spend the machine.

Reads utime + stime from /proc for each Sluice service and the processes under it (the
spark-runner's PySpark driver, its JVM and Python workers counted apart), the
PostgreSQL and RabbitMQ servers, before and after COMMAND (a load run of JOBS jobs,
such as `sluice bench --jobs 400`), and prints milliseconds of CPU per job for each.

Usage: cpu_per_job.py --run-dir DIR --jobs N -- COMMAND...
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

from end_to_end import SERVICES, descendants

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def groups(run_dir: Path) -> dict[str, list[int]]:
    """Process groups by name: each service (its JVM and Python processes apart), the servers."""
    found: dict[str, list[int]] = {}
    for service in SERVICES:
        pid = int((run_dir / f"{service}.pid").read_text())
        for process in descendants(pid):
            line = command_line(process)
            name = service
            if process != pid:
                name = "spark JVM" if "java" in line.split(" ")[0] else ("PySpark driver" if "sluice_spark_driver" in line else "PySpark workers")
            found.setdefault(name, []).append(process)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            line = command_line(int(entry))
            if line.startswith("postgres") or "/postgres " in line or "postgres:" in line:
                found.setdefault("PostgreSQL", []).append(int(entry))
            elif "beam.smp" in line and "rabbit" in line:
                found.setdefault("RabbitMQ", []).append(int(entry))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    before = {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in groups(args.run_dir).items()}
    subprocess.run(args.command, check=True, stdout=sys.stderr)
    after = groups(args.run_dir)
    # Workers that came and went during the run are not seen: the PySpark workers are long-lived here.
    rows = {name: sum(cpu_seconds(pid) - before.get(name, {}).get(pid, 0.0) for pid in pids) for name, pids in after.items()}
    total = sum(rows.values())
    print(f"| process | CPU ms per job ({args.jobs} jobs) |\n|---|---:|")
    for name, seconds in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"| {name} | {1000 * seconds / args.jobs:.1f} |")
    print(f"| all | {1000 * total / args.jobs:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
