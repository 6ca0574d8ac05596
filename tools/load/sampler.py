"""The server's side of a load run: CPU time and resident memory of its processes and their children (psutil)."""
from __future__ import annotations

import psutil


class ServerSampler:
    """Readings over the processes `pids` and every child they have at the moment of reading."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_rss_mb = 0.0

    def process_tree(self) -> list[psutil.Process]:
        found = []
        for pid in self.pids:
            try:
                parent = psutil.Process(pid)
                found.append(parent)
                found.extend(parent.children(recursive=True))
            except psutil.Error:  # gone, or not ours to read
                continue
        return found

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.process_tree():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def sample_memory(self) -> None:
        rss = 0
        for process in self.process_tree():
            try:
                rss += process.memory_info().rss
            except psutil.Error:
                continue
        self.peak_rss_mb = max(self.peak_rss_mb, rss / 1024 / 1024)
