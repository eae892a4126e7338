#!/usr/bin/env python3
"""Repeats skillcert's published double-random draws (R36) without skillcert.

Reads the JSON of `GET /api/v1/public/inspections` (or of one task) on standard input, redraws
every task from its published seed, population and pool with the algorithm written out in
docs/SUPERVISION.md, and compares the result with the published draw. Prints one line per task
and exits with 1 if any draw differs.

    curl -s https://skillcert.example/api/v1/public/inspections | python3 docs/reproduce_draw.py
"""

import hashlib
import json
import sys

U64_MAX = 2**64 - 1


class Stream:
    """Block i is SHA-256(seed ":" i); each number is its first 8 bytes, big-endian."""

    def __init__(self, seed):
        self.seed = seed
        self.counter = 0

    def next_u64(self):
        digest = hashlib.sha256(f"{self.seed}:{self.counter}".encode()).digest()
        self.counter += 1
        return int.from_bytes(digest[:8], "big")

    def below(self, n):
        zone = U64_MAX - (U64_MAX % n)
        while True:
            x = self.next_u64()
            if x < zone:
                return x % n

    def sample(self, items, k):
        v = list(items)
        k = min(k, len(v))
        for i in range(k):
            j = i + self.below(len(v) - i)
            v[i], v[j] = v[j], v[i]
        return v[:k]


def redraw(task):
    stream = Stream(task["seed"])
    chosen = stream.sample(task["population"], task["sample_size"])
    out = []
    for c in chosen:
        eligible = [p["inspector_id"] for p in task["pool"] if p.get("employer_school_id") != c["school_id"]]
        out.append((c["institution_id"], stream.sample(eligible, task["inspectors_per_institution"])))
    return out


def main():
    data = json.load(sys.stdin)
    tasks = data["items"] if isinstance(data, dict) and "items" in data else [data]
    ok = True
    for task in tasks:
        published = [(t["institution_id"], t["inspector_ids"]) for t in sorted(task["targets"], key=lambda t: t["draw_order"])]
        same = redraw(task) == published
        ok &= same
        print(f"{task['id']} seed={task['seed']} {'OK' if same else 'MISMATCH'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
