"""openapi.yaml reads the same in a YAML 1.1 parser (PyYAML, which many front-end tools still
use) as the contract the server serves as JSON: no example or default turns into a number or a
boolean (issue 24, point 9).

    python3 bench/yaml11.py openapi.yaml contract.json
"""
import json
import sys

import yaml


def differences(a, b, path="$"):
    if type(a) is not type(b):
        yield f"{path}: YAML 1.1 reads {a!r} ({type(a).__name__}), the contract says {b!r}"
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                yield f"{path}.{k}: present in only one"
            else:
                yield from differences(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{path}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {a!r} against {b!r}"


with open(sys.argv[1], encoding="utf-8") as f:
    as_yaml_1_1 = yaml.safe_load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    contract = json.load(f)
found = list(differences(as_yaml_1_1, contract))
for d in found[:50]:
    print(d)
print(f"{len(found)} differences between openapi.yaml read as YAML 1.1 and the contract")
sys.exit(1 if found else 0)
