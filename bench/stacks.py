"""Where a py-spy profile's samples went: inclusive and self shares per function, per process.

    .venv/bin/python bench/stacks.py STACKS.txt [--top 30] [--match TEXT ...]

STACKS.txt is `py-spy record --format raw` output (one `frame;frame;... count` line per stack; with
--subprocesses each stack starts with its process). Inclusive: samples with the function anywhere
on the stack (counted once per stack); self: samples with it on top. --match also prints the
inclusive share of every frame containing TEXT (a module path, say), summed once per stack.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def short(frame: str) -> str:
    """'function (path/to/module.py:12)' -> 'function (module.py)', keeping the last two path parts."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    parts = m["file"].split("/")
    return f"{m['function']} ({'/'.join(parts[-2:])})"


def process_of(stack: list[str]) -> tuple[str, list[str]]:
    """Which process a stack is from (py-spy nests a child's process frame under its parent's), and its frames."""
    name, start, n = "all", 0, 0
    while n < len(stack) and stack[n].startswith("process "):
        end = n  # the command line in quotes may hold ';' itself
        while not stack[end].endswith('"') and end + 1 < len(stack):
            end += 1
        head = ";".join(stack[n : end + 1])
        name = "analysis workers" if "multiprocessing" in head else "crawl process"
        start = n = end + 1
    return name, stack[start:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", action="append", default=[], metavar="TEXT")
    args = parser.parse_args()
    totals: Counter = Counter()
    inclusive: dict[str, Counter] = defaultdict(Counter)
    own: dict[str, Counter] = defaultdict(Counter)
    matched: dict[str, Counter] = defaultdict(Counter)
    with open(args.stacks) as fh:
        for line in fh:
            stack_text, _, count_text = line.rstrip("\n").rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            process, stack = process_of(stack_text.split(";"))
            totals[process] += count
            frames = [short(f) for f in stack]
            for frame in set(frames):
                inclusive[process][frame] += count
            if frames:
                own[process][frames[-1]] += count
            for text in args.match:
                if any(text in f for f in stack):
                    matched[process][text] += count
    for process, total in totals.most_common():
        print(f"\n## {process}: {total} samples")
        print("| inclusive | self | function |\n|---|---|---|")
        for frame, count in inclusive[process].most_common(args.top):
            print(f"| {100 * count / total:.1f}% | {100 * own[process][frame] / total:.1f}% | {frame} |")
        print("\nself time, top:")
        for frame, count in own[process].most_common(args.top):
            print(f"  {100 * count / total:5.1f}%  {frame}")
        for text in args.match:
            print(f"  stacks through {text!r}: {100 * matched[process][text] / total:.1f}%")


if __name__ == "__main__":
    main()
