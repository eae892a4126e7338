#!/usr/bin/env python3
"""Test data for examples/walkthrough.sh, made with the standard library only.

    walkthrough_data.py resident-id SEQ        a valid resident ID number (GB 11643), born 2008-03-01
    walkthrough_data.py credit-code N          a valid unified social credit code (GB 32100)
    walkthrough_data.py candidates FILE N      an XLSX file with N candidates for 车工 level 4
    walkthrough_data.py photo FILE             a 2-inch photo as PNG (413 × 579, light grey)
    walkthrough_data.py get PATH               reads JSON on stdin and prints the value at PATH
                                               (e.g. items.0.code); strings print bare
"""

import json
import struct
import sys
import zipfile
import zlib


def resident_id(seq):
    body = f"5001012008030{1 + seq // 1000 % 9}{seq % 1000:03d}"[:17]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights))
    return body + "10X98765432"[total % 11]


def credit_code(n):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    body = f"52500000MJ{n:07d}"
    total = sum(alphabet.index(c) * w for c, w in zip(body, weights))
    return body + alphabet[(31 - total % 31) % 31]


def xlsx(path, rows):
    def cell(r, c, v):
        v = str(v).replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'

    sheet = "".join(
        f'<row r="{r + 1}">' + "".join(cell(r + 1, c, v) for c, v in enumerate(row)) + "</row>" for r, row in enumerate(rows)
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="考生" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + sheet
        + "</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


def operation_ids(contract):
    """(method, path template) -> operationId, from openapi.yaml's paths block."""
    ids, path, method = {}, None, None
    with open(contract, encoding="utf-8") as f:
        for line in f:
            if line.startswith("  /"):
                path, method = line.strip().rstrip(":"), None
            elif path and line.startswith("    ") and not line.startswith("     ") and line.strip().rstrip(":") in (
                "get", "post", "put", "patch", "delete",
            ):
                method = line.strip().rstrip(":").upper()
            elif path and method and line.startswith("      operationId: "):
                ids[(method, path)] = line.split(":", 1)[1].strip()
            elif line.strip() and not line.startswith(" "):
                path = None
    return ids


def operation(contract, method, path):
    """The operationId a concrete request calls (a `{param}` of the template matches any segment)."""
    segments = path.split("?")[0].strip("/").split("/")
    for (m, template), op in operation_ids(contract).items():
        t = template.strip("/").split("/")
        if m == method and len(t) == len(segments) and all(a.startswith("{") or a == b for a, b in zip(t, segments)):
            return op
    return "?"


def png(path, width=413, height=579):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xc8" * (3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    cmd = sys.argv[1]
    if cmd == "resident-id":
        print(resident_id(int(sys.argv[2])))
    elif cmd == "credit-code":
        print(credit_code(int(sys.argv[2])))
    elif cmd == "candidates":
        header = ["姓名", "性别", "身份证号", "学校", "学号", "专业", "班级", "全日制", "自愿", "职业编码", "等级"]
        names = ["王小明", "李小红", "张小刚", "刘小芳", "陈小龙", "杨小燕"]
        rows = [header]
        for i in range(int(sys.argv[3])):
            rid = resident_id(100 + i)
            gender = "男" if int(rid[16]) % 2 == 1 else "女"
            # 学校: the school's unified social credit code in the registry (blank: the institution's own).
            rows.append([names[i % len(names)], gender, rid, credit_code(1), f"2024{i + 1:04d}", "机械加工", "2024级1班", "是", "是", "6-18-01-01", "4"])
        xlsx(sys.argv[2], rows)
    elif cmd == "photo":
        png(sys.argv[2])
    elif cmd == "get":
        value = json.load(sys.stdin)
        for key in sys.argv[2].split("."):
            value = value[int(key)] if isinstance(value, list) else value[key]
        print(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    elif cmd == "operation":
        print(operation(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
