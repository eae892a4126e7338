#!/usr/bin/env python3
"""Picks the contract's examples from a recording of the end-to-end suite (issue 24, point 5).

    rm -rf /tmp/rec && mkdir /tmp/rec
    SKILLCERT_RECORD_EXAMPLES=/tmp/rec cargo test --workspace
    python3 tests/record_examples.py /tmp/rec > api/openapi-examples.json

Every exchange the suite had with a real server (tests/src/examples.rs) is matched to its
operation in openapi.yaml. Per operation it keeps: the richest successful request per JSON or form content type, the
answer to that same request for its status (or another recorded answer with a documented status
and content type), and the path and query values of that request as parameter examples. Lists are
cut to their first two items. The server (api/src/openapi/examples.rs) puts them in the contract;
tests/tests/contract.rs checks that every operation has them and redocly checks them against the
schemas.
It also keeps, per problem code, the shortest problem document the server answered with it.
"""

import json
import os
import re
import sys
import urllib.parse

import yaml

METHODS = ("get", "post", "put", "patch", "delete")
KEPT_ITEMS = 2


def operations(spec):
    """(method, compiled path pattern, literal segment count, operation) for every operation."""
    found = []
    for template, item in spec["paths"].items():
        parts = template.strip("/").split("/")
        names = [p[1:-1] if p.startswith("{") else None for p in parts]
        pattern = "^/" + "/".join("([^/]+)" if n else re.escape(p) for p, n in zip(parts, names)) + "/?$"
        for method in METHODS:
            if method in item:
                literal = sum(1 for n in names if n is None)
                found.append((method.upper(), re.compile(pattern), literal, [n for n in names if n], item[method]))
    # A literal segment wins over a parameter (/plans/summary before /plans/{id}).
    found.sort(key=lambda o: -o[2])
    return found


def leaves(value):
    if isinstance(value, dict):
        return sum(leaves(v) for v in value.values()) or 1
    if isinstance(value, list):
        return sum(leaves(v) for v in value) or 1
    return 1


def cut(value):
    if isinstance(value, dict):
        return {k: cut(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cut(v) for v in value[:KEPT_ITEMS]]
    return value


def typed(value, schema):
    """A path or query value as its schema's type (`?page=2` is the integer 2)."""
    kinds = schema.get("type", "string")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    try:
        if "integer" in kinds:
            return int(value)
        if "number" in kinds:
            return float(value)
    except ValueError:
        return value
    if "boolean" in kinds and value in ("true", "false"):
        return value == "true"
    return value


def media(content_type):
    return content_type.split(";")[0].strip()


def choose(records, key):
    """The record with the highest `key`; ties go to the one whose JSON sorts first (stable)."""
    return max(records, key=lambda r: (key(r), -len(json.dumps(r, sort_keys=True)))) if records else None


def main():
    directory = sys.argv[1]
    spec = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "..", "openapi.yaml"), encoding="utf-8"))
    ops = operations(spec)
    seen = {}
    for name in sorted(os.listdir(directory)):
        for line in open(os.path.join(directory, name), encoding="utf-8"):
            record = json.loads(line)
            for method, pattern, _, params, op in ops:
                m = pattern.match(record["path"]) if method == record["method"] else None
                if m:
                    record["params"] = dict(zip(params, (urllib.parse.unquote(v) for v in m.groups())))
                    seen.setdefault(op["operationId"], (op, []))[1].append(record)
                    break
    examples = {}
    for op_id in sorted(seen):
        op, records = seen[op_id]
        ok = [r for r in records if 200 <= r["status"] < 300]
        entry = {}
        body = op.get("requestBody", {}).get("content", {})
        chosen = None
        for content_type in body:
            if content_type not in ("application/json", "application/x-www-form-urlencoded"):
                continue
            sent = [r for r in ok if r["request"] is not None and r.get("request_type") == content_type]
            pick = choose(sent, lambda r: leaves(r["request"]))
            if pick:
                entry.setdefault("request", {})[content_type] = cut(pick["request"])
                chosen = chosen or pick
        responses = {}
        for status, response in op["responses"].items():
            if not status.startswith("2") or "content" not in response:
                continue
            for content_type in response["content"]:
                if not (content_type.endswith("json") or content_type.startswith("text/")):
                    continue
                fits = [
                    r
                    for r in ok
                    if str(r["status"]) == status and media(r["content_type"]) == content_type and r["response"] is not None
                ]
                pick = chosen if chosen in fits else choose(fits, lambda r: min(leaves(r["response"]), 200))
                if pick:
                    responses.setdefault(status, {})[content_type] = cut(pick["response"])
                    chosen = chosen or pick
        if responses:
            entry["responses"] = responses
        declared = {p["name"]: p["in"] for p in op.get("parameters", []) if "name" in p}
        schemas = {p["name"]: p.get("schema", {}) for p in op.get("parameters", []) if "name" in p}
        values = {}
        source = chosen or choose(ok, lambda r: len(r["params"]))
        if source:
            values.update({k: v for k, v in source["params"].items() if declared.get(k) == "path"})
        with_query = choose([r for r in ok if r["query"]], lambda r: len(urllib.parse.parse_qs(r["query"])))
        if with_query:
            for k, v in urllib.parse.parse_qsl(with_query["query"]):
                if declared.get(k) == "query":
                    values.setdefault(k, v)
        if values:
            entry["parameters"] = {k: typed(v, schemas.get(k, {})) for k, v in values.items()}
        if entry:
            examples[op_id] = entry
    # A real answer per problem code: the shortest one recorded.
    problems = {}
    for _, records in seen.values():
        for r in records:
            body = r["response"]
            if media(r["content_type"]) == "application/problem+json" and isinstance(body, dict) and "code" in body:
                best = problems.get(body["code"])
                if best is None or len(json.dumps(body, sort_keys=True)) < len(json.dumps(best, sort_keys=True)):
                    problems[body["code"]] = body
    result = {"operations": examples, "problems": problems}
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    missing = sorted(
        o[4]["operationId"] for o in ops if o[4]["operationId"] not in examples
    )
    if missing:
        print("no recorded exchange: " + ", ".join(missing), file=sys.stderr)


if __name__ == "__main__":
    main()
