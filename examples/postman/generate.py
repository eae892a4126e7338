#!/usr/bin/env python3
"""Writes the Postman collection and environment for skillcert's whole procedure.

    python3 examples/postman/generate.py

Outputs `skillcert.postman_collection.json` and `skillcert.postman_environment.json` beside this
file. Every request's method and path must exist in `openapi.yaml`: a test in
`tests/tests/postman.rs` checks the committed collection against the contract. Run it with
`examples/postman/run.sh` (newman), as CI does.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import walkthrough_data as data  # noqa: E402

PW = "a-long-password-1"


OPERATION_IDS = data.operation_ids(os.path.join(HERE, "..", "..", "openapi.yaml"))


def operation_id(method, path):
    """The operationId of a request: `{{var}}` segments stand for the template's `{param}`s."""
    segments = path.split("?")[0].strip("/").split("/")
    for (m, template), op in OPERATION_IDS.items():
        t = template.strip("/").split("/")
        if m == method and len(t) == len(segments) and all(
            (a.startswith("{") and b.startswith("{{")) or a == b for a, b in zip(t, segments)
        ):
            return op
    raise SystemExit(f"{method} {path} is not in openapi.yaml")


def status_test(code, extra=""):
    return [f'pm.test("HTTP {code}", function () {{ pm.response.to.have.status({code}); }});'] + (
        extra.strip().split("\n") if extra.strip() else []
    )


def request(name, method, path, *, token=None, body=None, raw_file=None, content_type=None, headers=None, expect=200, tests="", pre=None,
            form=None):
    h = []
    if token:
        h.append({"key": "Authorization", "value": "Bearer {{" + token + "}}"})
    if body is not None:
        h.append({"key": "Content-Type", "value": "application/json"})
    if content_type:
        h.append({"key": "Content-Type", "value": content_type})
    if form is not None:
        h.append({"key": "Content-Type", "value": "application/x-www-form-urlencoded"})
    for k, v in (headers or {}).items():
        h.append({"key": k, "value": v})
    segments = [s for s in path.strip("/").split("/")]
    req = {
        "method": method,
        "header": h,
        "url": {"raw": "{{baseUrl}}" + path, "host": ["{{baseUrl}}"], "path": segments},
    }
    if "?" in path:
        p, q = path.split("?", 1)
        req["url"]["path"] = p.strip("/").split("/")
        req["url"]["query"] = [{"key": kv.split("=")[0], "value": kv.split("=")[1]} for kv in q.split("&")]
        req["url"]["raw"] = "{{baseUrl}}" + path
    if body is not None:
        req["body"] = {"mode": "raw", "raw": json.dumps(body, ensure_ascii=False, indent=2)}
    if raw_file:
        req["body"] = {"mode": "file", "file": {"src": raw_file}}
    if form is not None:
        req["body"] = {"mode": "urlencoded", "urlencoded": [{"key": k, "value": v} for k, v in form]}
    events = [{"listen": "test", "script": {"type": "text/javascript", "exec": status_test(expect, tests)}}]
    if pre:
        events.append({"listen": "prerequest", "script": {"type": "text/javascript", "exec": pre.strip().split("\n")}})
    req["description"] = f"operationId: {operation_id(method, path)}"
    return {"name": name, "event": events, "request": req}


def setvar(name, expr):
    return f'pm.environment.set("{name}", {expr});'


def document():
    examiners = [
        {"name": f"考评员{i}", "id_number": data.resident_id(10 + i), "certificate_number": f"KP-{i}", "occupation_codes": ["6-18-01-01"],
         "title": "高级技师", "education": "本科", "employer": "本校"}
        for i in range(3)
    ]
    return {
        "basic": {"name": "重庆市示范技工学校", "registered_address": "重庆市万州区示范路1号", "office_address": "重庆市万州区示范路1号",
                  "credit_code": data.credit_code(1), "legal_representative": "张校长", "contact_name": "李老师", "contact_mobile": "13800138000"},
        "occupations": [{"major": "机械加工", "occupation_code": "6-18-01-01", "level": lv, "standard_id": "{{standard_id}}"} for lv in ("4", "5")],
        "majors": [{"name": "机械加工", "strengths": "国家级示范专业", "preparatory_technician_class": False}],
        "sites": [{"name": "实训楼", "address": "校内", "area_m2": 3000.0, "purpose": "实操考核"}],
        "equipment": [{"name": "数控车床", "brand": "沈阳", "model": "CAK6150", "quantity": 20, "ownership": "owned"}],
        "exam_management": "计算机考试管理系统，100个机位",
        "video_monitoring": "全部考场视频监控，录像保存一年",
        "staff": [{"name": "王主任", "id_number": data.resident_id(1), "position": "主任", "education": "本科", "duties": "统筹"}],
        "experts": [{"name": "赵专家", "id_number": data.resident_id(2), "education": "博士", "field": "机械", "title": "教授", "employer": "本校"}],
        "examiners": examiners,
        "supervisors": [{"name": "钱督导", "id_number": data.resident_id(3), "title": "高级讲师", "education": "本科", "employer": "本校"}],
        "work_plan": {"school_overview": "概况", "overall_plan": "方案", "organisation": "机构", "occupations_and_standards": "标准",
                      "teaching_alignment": "衔接", "management_rules": "制度", "fees": "收费", "assessment": "方式", "other": "无"},
        "commitment": {"legal_representative": "张校长", "signed_on": "2026-11-02", "attachment_id": "{{attachment_id}}"},
    }


def login(name, user, password, var):
    return request(name, "POST", "/api/v1/auth/login", body={"username": user, "password": password},
                   tests=setvar(var, "pm.response.json().access_token"))


phase1 = [
    login("Sign in as the bureau (admin)", "admin", "{{adminPassword}}", "admin_token"),
    request("Create the centre's account", "POST", "/api/v1/users", token="admin_token", expect=201,
            body={"username": "centre.li", "display_name": "李主任", "role": "centre", "password": PW}),
    request("Create an expert's account", "POST", "/api/v1/users", token="admin_token", expect=201,
            body={"username": "expert.zhao", "display_name": "赵专家", "role": "expert", "password": PW},
            tests=setvar("expert_id", "pm.response.json().id")),
    request("Register a national standard (车工, levels 4 and 5)", "POST", "/api/v1/standards", token="admin_token", expect=201,
            body={"occupation_code": "6-18-01-01", "kind": "national_standard", "title": "车工 国家职业技能标准", "levels": ["4", "5"]},
            tests=setvar("standard_id", "pm.response.json().id")),
    login("Sign in as the centre", "centre.li", PW, "centre_token"),
    *[
        request(f"Register examiner KP-{i} with their qualification (centre)", "POST", "/api/v1/personnel", token="centre_token", expect=201,
                body={"kind": "examiner", "name": f"考评员{i}", "id_number": data.resident_id(10 + i), "certificate_number": f"KP-{i}",
                      "valid_until": "2029-12-31", "employer": "重庆市示范技工学校",
                      "qualifications": [{"occupation_code": "6-18-01-01", "levels": ["4", "5"]}]})
        for i in range(3)
    ],
    request("Register a quality supervisor (centre)", "POST", "/api/v1/personnel", token="centre_token", expect=201,
            body={"kind": "quality_supervisor", "name": "孙督导", "id_number": data.resident_id(20), "certificate_number": "DD-0",
                  "valid_until": "2029-12-31", "employer": "市职业技能鉴定指导中心"}),
    request("Register the expert with their account (centre)", "POST", "/api/v1/personnel", token="centre_token", expect=201,
            body={"kind": "expert", "name": "赵专家", "id_number": data.resident_id(21), "certificate_number": "ZJ-0",
                  "valid_until": "2029-12-31", "employer": "重庆大学", "user_id": "{{expert_id}}"}),
    request("Register a technical school", "POST", "/api/v1/schools", token="admin_token", expect=201,
            body={"name": "重庆市示范技工学校", "school_type": "technical_school", "credit_code": data.credit_code(1), "district_code": "500101",
                  "registered_address": "重庆市万州区示范路1号", "office_address": "重庆市万州区示范路1号", "legal_representative": "张校长",
                  "contact_name": "李老师", "contact_phone": "13800138000"},
            tests=setvar("school_id", "pm.response.json().id")),
    request("Create the school's account", "POST", "/api/v1/schools/{{school_id}}/accounts", token="admin_token", expect=201,
            body={"username": "school.demo", "display_name": "备案专员", "password": PW}),
    login("Sign in as the school", "school.demo", PW, "school_token"),
    request("Start a filing application", "POST", "/api/v1/filings", token="school_token", expect=201, body={"kind": "initial"},
            tests=setvar("filing_id", "pm.response.json().id")),
    request("Upload the signed commitment (PDF)", "POST", "/api/v1/filings/{{filing_id}}/attachments?purpose=commitment&file_name=commitment.pdf",
            token="school_token", expect=201, raw_file="examples/postman/commitment.pdf", content_type="application/pdf",
            tests=setvar("attachment_id", "pm.response.json().attachments[0].id") + "\n" + setvar("etag", 'pm.response.headers.get("ETag")')),
    request("Save Annex 1–3 (If-Match)", "PUT", "/api/v1/filings/{{filing_id}}/document", token="school_token", body=document(),
            headers={"If-Match": "{{etag}}"}),
    request("Submit (R1–R7 checked)", "POST", "/api/v1/filings/{{filing_id}}/submit", token="school_token", body={}),
    request("Accept (bureau)", "POST", "/api/v1/filings/{{filing_id}}/accept", token="admin_token", body={}),
    request("Assign the expert", "POST", "/api/v1/filings/{{filing_id}}/experts", token="admin_token", body={"expert_ids": ["{{expert_id}}"]}),
    login("Sign in as the expert", "expert.zhao", PW, "expert_token"),
    request("Evaluate (R8)", "POST", "/api/v1/filings/{{filing_id}}/evaluations", token="expert_token", expect=201,
            body={"findings": {k: {"met": True, "comment": "符合要求"} for k in ("organisation_and_people", "sites_and_equipment", "question_bank", "funding")},
                  "recommendation": "approve"}),
    request("Approve: the filing code is assigned (R9–R11)", "POST", "/api/v1/filings/{{filing_id}}/approve", token="admin_token",
            body={"valid_until": "2029-11-01", "opinion": "同意备案。"},
            tests=setvar("institution_id", 'pm.response.headers.get("Location").split("/").pop()')),
    request("The institution and its code", "GET", "/api/v1/institutions/{{institution_id}}", token="admin_token",
            tests=setvar("institution_code", "pm.response.json().code") + '\npm.test("filing code", function () { pm.expect(pm.response.json().code).to.match(/^S000050\\d{6}$/); });'),
    request("The filing receipt (Annex 4) as PDF", "GET", "/api/v1/institutions/{{institution_id}}/receipt.pdf", token="school_token",
            tests='pm.test("PDF", function () { pm.expect(pm.response.headers.get("Content-Type")).to.eql("application/pdf"); });'),
    request("File a batch plan (R12–R18)", "POST", "/api/v1/plans", token="school_token", expect=201,
            body={"title": "2026年冬季车工中级批次", "method": {"process_assessment": True, "components": ["theory_exam", "practical_exam"]},
                  "occupations": [{"occupation_code": "6-18-01-01", "level": "4"}],
                  "sessions": [{"occupation_code": "6-18-01-01", "date": "2026-12-15", "starts_at": "09:00", "ends_at": "11:00", "venue": "实训楼101",
                                "kind": "theory", "examiners": ["KP-0", "KP-1"], "supervisors": ["钱督导"]}]},
            tests=setvar("plan_id", "pm.response.json().id")),
    request("Import candidates from CSV (R19)", "POST", "/api/v1/plans/{{plan_id}}/candidates/import?mode=all_or_nothing", token="school_token",
            raw_file="examples/postman/candidates.csv", content_type="text/csv",
            tests='pm.test("3 imported", function () { pm.expect(pm.response.json().imported).to.eql(3); });'),
    request("File the plan with the centre", "POST", "/api/v1/plans/{{plan_id}}/file", token="school_token", body={}),
    login("Sign in as the centre", "centre.li", PW, "centre_token"),
    request("Acknowledge the plan (centre)", "POST", "/api/v1/plans/{{plan_id}}/acknowledge", token="centre_token", body={}),
    request("Draw the plan's quality supervisor (centre, seeded)", "POST", "/api/v1/plans/{{plan_id}}/quality-supervisor", token="centre_token",
            expect=201, body={}),
    request("List the candidates", "GET", "/api/v1/plans/{{plan_id}}/candidates?per_page=100", token="school_token",
            tests=setvar("candidate_ids", 'JSON.stringify(pm.response.json().items.map(function (c) { return c.id; }))')),
    request("Withdraw candidate 3 with a reason (a correction: kept on record, left out of what follows)", "POST",
            "/api/v1/plans/{{plan_id}}/candidates/{{candidate_id}}/withdraw", token="school_token", body={"reason": "学生转学，不参加本批次"},
            pre='pm.environment.set("candidate_id", JSON.parse(pm.environment.get("candidate_ids"))[2]);',
            tests='pm.test("withdrawn", function () { pm.expect(pm.response.json().withdrawn_at).to.be.a("string"); });\n'
            + 'pm.environment.set("candidate_ids", JSON.stringify(JSON.parse(pm.environment.get("candidate_ids")).slice(0, 2)));'),
    *[
        request(f"Upload candidate {k + 1}'s 2-inch photo (R29)", "PUT", "/api/v1/plans/{{plan_id}}/candidates/{{candidate_id}}/photo",
                token="school_token", raw_file="examples/postman/photo.png", content_type="image/png", expect=204,
                pre=f'pm.environment.set("candidate_id", JSON.parse(pm.environment.get("candidate_ids"))[{k}]);')
        for k in range(2)
    ],
    request("Record scores (R20)", "POST", "/api/v1/plans/{{plan_id}}/results", token="school_token", body={"results": "{{results}}"},
            pre='''var ids = JSON.parse(pm.environment.get("candidate_ids"));
var results = [];
ids.forEach(function (id) { ["process", "theory_exam", "practical_exam"].forEach(function (c) { results.push({candidate_id: id, component: c, score: 85}); }); });
pm.request.body.raw = JSON.stringify({results: results});'''),
    request("Start the publicity (R21)", "POST", "/api/v1/plans/{{plan_id}}/publicity", token="school_token", body={},
            tests='pm.test("ends after 5 working days", function () { pm.expect(pm.response.json().publicity_ends_on).to.eql("2026-11-09"); });'),
    request("The public notice (masked names)", "GET", "/api/v1/public/publicity/{{plan_id}}",
            tests='pm.test("masked", function () { pm.expect(pm.response.json().passed[0].name).to.match(/\\*/); });'),
]

phase2 = [
    login("Sign in as the school again", "school.demo", PW, "school_token"),
    login("Sign in as the centre again", "centre.li", PW, "centre_token"),
    request("Report the results (R22)", "POST", "/api/v1/plans/{{plan_id}}/report", token="school_token", body={}),
    request("Review: approve (R23)", "POST", "/api/v1/plans/{{plan_id}}/review", token="centre_token", body={"decision": "approve"},
            tests='pm.test("reviewed", function () { pm.expect(pm.response.json().phase).to.eql("reviewed"); });'),
    request("Issue the certificates (Idempotency-Key, R24–R27)", "POST", "/api/v1/plans/{{plan_id}}/certificates", token="school_token",
            expect=201, body={}, headers={"Idempotency-Key": "postman-issue-1"},
            tests=setvar("certificate_code", "pm.response.json().items[0].code") + "\n" + setvar("holder_name", "pm.response.json().items[0].holder_name")
            + "\n" + setvar("verify_path", "pm.response.json().items[0].verify_path")
            + '\npm.test("2 codes", function () { pm.expect(pm.response.json().items.length).to.eql(2); });'),
    request("The same request again gives the same certificates", "POST", "/api/v1/plans/{{plan_id}}/certificates", token="school_token",
            expect=201, body={}, headers={"Idempotency-Key": "postman-issue-1"},
            tests='pm.test("same", function () { pm.expect(pm.response.json().items[0].code).to.eql(pm.environment.get("certificate_code")); });'),
    request("The e-certificate (Annex 5) as PDF", "GET", "/api/v1/certificates/{{certificate_code}}/pdf", token="school_token",
            tests='pm.test("PDF", function () { pm.expect(pm.response.headers.get("Content-Type")).to.eql("application/pdf"); });'),
    request("Verify it publicly (R31)", "POST", "/api/v1/public/certificates/verify",
            body={"code": "{{certificate_code}}", "name": "{{holder_name}}"},
            tests='pm.test("valid", function () { pm.expect(pm.response.json().status).to.eql("valid"); });'),
    {**request("The QR code's page", "GET", "/verify/{{verify_token}}",
               tests='pm.test("shows the code", function () { pm.expect(pm.response.text()).to.include(pm.environment.get("certificate_code")); });',
               pre='pm.environment.set("verify_token", pm.environment.get("verify_path").split("/").pop());')},
    request("The plan's certificates, with full ID numbers for the institution", "GET", "/api/v1/plans/{{plan_id}}/certificates",
            token="school_token",
            tests=setvar("holder_id_number",
                         'pm.response.json().items.find(function (c) { return c.code === pm.environment.get("certificate_code"); }).id_number')),
    request("The holder downloads their own e-certificate (code, name, ID number; no account)", "POST", "/api/v1/public/certificates/pdf",
            body={"code": "{{certificate_code}}", "name": "{{holder_name}}", "id_number": "{{holder_id_number}}"},
            tests='pm.test("PDF", function () { pm.expect(pm.response.headers.get("Content-Type")).to.eql("application/pdf"); });'),
    request("... or from the QR page's form", "POST", "/verify/{{verify_token}}/pdf",
            form=[("name", "{{holder_name}}"), ("id_number", "{{holder_id_number}}")],
            tests='pm.test("PDF", function () { pm.expect(pm.response.headers.get("Content-Type")).to.eql("application/pdf"); });'),
    request("The centre searches certificates by the holder's ID number (audited; masked answers)", "POST", "/api/v1/certificates/search",
            token="centre_token", body={"id_number": "{{holder_id_number}}"},
            tests='pm.test("found, masked", function () { var b = pm.response.json(); pm.expect(b.total).to.eql(1); '
                  'pm.expect(b.items[0].code).to.eql(pm.environment.get("certificate_code")); pm.expect(b.items[0].id_number).to.include("*"); });'),
]

phase3 = [
    login("Sign in as the bureau again", "admin", "{{adminPassword}}", "admin_token"),
    request("The school's record and its ETag", "GET", "/api/v1/schools/{{school_id}}", token="admin_token",
            tests=setvar("school_etag", 'pm.response.headers.get("ETag")')),
    request("Correct the school's record (bureau, If-Match)", "PUT", "/api/v1/schools/{{school_id}}", token="admin_token",
            headers={"If-Match": "{{school_etag}}"},
            body={"name": "重庆市示范技工学校", "school_type": "technical_school", "credit_code": data.credit_code(1), "district_code": "500101",
                  "registered_address": "重庆市万州区示范路1号", "office_address": "重庆市万州区示范路8号（新校区）", "legal_representative": "张校长",
                  "contact_name": "李老师", "contact_phone": "13800138000"},
            tests='pm.test("moved", function () { pm.expect(pm.response.json().office_address).to.include("新校区"); });'),
    request("The standard and its ETag", "GET", "/api/v1/standards/{{standard_id}}",
            tests=setvar("standard_etag", 'pm.response.headers.get("ETag")')),
    request("Correct its title (bureau, If-Match)", "PATCH", "/api/v1/standards/{{standard_id}}", token="admin_token",
            headers={"If-Match": "{{standard_etag}}"}, body={"title": "车工国家职业技能标准（2018年版，2026年勘误）"},
            tests='pm.test("corrected", function () { pm.expect(pm.response.json().title).to.include("勘误"); });'),
    request("Register a standard by mistake", "POST", "/api/v1/standards", token="admin_token", expect=201,
            body={"occupation_code": "4-03-02-01", "kind": "national_standard", "title": "中式烹调师 国家职业技能标准（误录）", "levels": ["4"]},
            tests=setvar("wrong_standard_id", "pm.response.json().id")),
    request("Withdraw it (bureau): kept, named by no new filing or plan", "POST", "/api/v1/standards/{{wrong_standard_id}}/withdraw",
            token="admin_token", body={"reason": "录入错误"},
            tests='pm.test("withdrawn", function () { pm.expect(pm.response.json().withdrawn_at).to.be.a("string"); });'),
    request("File a second plan", "POST", "/api/v1/plans", token="school_token", expect=201,
            body={"title": "2027年春季车工中级批次", "method": {"process_assessment": True, "components": ["theory_exam", "practical_exam"]},
                  "occupations": [{"occupation_code": "6-18-01-01", "level": "4"}],
                  "sessions": [{"occupation_code": "6-18-01-01", "date": "2026-12-22", "starts_at": "09:00", "ends_at": "11:00", "venue": "实训楼101",
                                "kind": "theory", "examiners": ["KP-0", "KP-1"], "supervisors": ["钱督导"]}]},
            tests=setvar("plan2_id", "pm.response.json().id")),
    request("Cancel it with a reason (its school, before the first session)", "POST", "/api/v1/plans/{{plan2_id}}/cancel", token="school_token",
            body={"reason": "实训楼检修，本批次取消"},
            tests='pm.test("cancelled", function () { pm.expect(pm.response.json().status).to.eql("cancelled"); });'),
    request("Start a change filing (变更备案): the draft is the institution's filed document", "POST", "/api/v1/filings",
            token="school_token", expect=201, body={"kind": "change"},
            tests=setvar("change_id", "pm.response.json().id") + "\n"
            + 'pm.environment.set("change_document", JSON.stringify(pm.response.json().document));\n'
            + 'pm.test("prefilled", function () { pm.expect(pm.response.json().document.examiners.length).to.eql(3); });'),
    request("Upload the new signed commitment (PDF)", "POST",
            "/api/v1/filings/{{change_id}}/attachments?purpose=commitment&file_name=commitment.pdf",
            token="school_token", expect=201, raw_file="examples/postman/commitment.pdf", content_type="application/pdf",
            tests=setvar("change_attachment_id", 'pm.response.json().attachments.find(function (a) { return a.purpose === "commitment"; }).id')
            + "\n" + setvar("change_etag", 'pm.response.headers.get("ETag")')),
    request("Save the changed name and the commitment (If-Match)", "PUT", "/api/v1/filings/{{change_id}}/document", token="school_token",
            body={}, headers={"If-Match": "{{change_etag}}"},
            pre='''var d = JSON.parse(pm.environment.get("change_document"));
d.basic.name = "重庆市示范技师学院";
d.commitment = {legal_representative: "张校长", signed_on: "2026-11-02", attachment_id: pm.environment.get("change_attachment_id")};
pm.request.body.raw = JSON.stringify(d);'''),
    request("Submit it: no new occupation or level, so no experts", "POST", "/api/v1/filings/{{change_id}}/submit", token="school_token", body={},
            tests='pm.test("no evaluation", function () { pm.expect(pm.response.json().evaluation_required).to.eql(false); });'),
    request("Accept it (bureau)", "POST", "/api/v1/filings/{{change_id}}/accept", token="admin_token", body={}),
    request("Approve it: same code and validity (bureau)", "POST", "/api/v1/filings/{{change_id}}/approve", token="admin_token",
            body={"opinion": "同意变更备案。"}),
    request("The institution under its new name, same code", "GET", "/api/v1/institutions/{{institution_id}}", token="admin_token",
            tests='pm.test("renamed", function () { var b = pm.response.json(); pm.expect(b.name).to.eql("重庆市示范技师学院"); '
                  'pm.expect(b.code).to.eql(pm.environment.get("institution_code")); });'),
    request("Register a second school", "POST", "/api/v1/schools", token="admin_token", expect=201,
            body={"name": "重庆市第二示范技工学校", "school_type": "technical_school", "credit_code": data.credit_code(2), "district_code": "500101",
                  "registered_address": "重庆市万州区二校路2号", "office_address": "重庆市万州区二校路2号", "legal_representative": "周校长",
                  "contact_name": "吴老师", "contact_phone": "13800138001"},
            tests=setvar("school2_id", "pm.response.json().id")),
    request("Create its account", "POST", "/api/v1/schools/{{school2_id}}/accounts", token="admin_token", expect=201,
            body={"username": "school.two", "display_name": "备案专员", "password": PW}),
    login("Sign in as the second school", "school.two", PW, "school2_token"),
    request("Start a filing application", "POST", "/api/v1/filings", token="school2_token", expect=201, body={"kind": "initial"},
            tests=setvar("filing2_id", "pm.response.json().id")),
    request("Withdraw it before the bureau decides (kept on record)", "POST", "/api/v1/filings/{{filing2_id}}/withdraw", token="school2_token",
            body={"reason": "场地改造，暂缓申请"},
            tests='pm.test("withdrawn", function () { pm.expect(pm.response.json().status).to.eql("withdrawn"); });'),
    request("A complaint about the institution (public)", "POST", "/api/v1/public/complaints", expect=201,
            body={"target_type": "institution", "target": "{{institution_code}}", "content": "证书系代考所得"},
            tests=setvar("complaint_number", "pm.response.json().tracking_number")),
    request("The bureau orders the certificate revoked on the complaint", "POST", "/api/v1/certificates/{{certificate_code}}/revocation-order",
            token="admin_token", body={"reason": "投诉查实：代考", "complaint_number": "{{complaint_number}}"},
            tests='pm.test("revoked by order", function () { pm.expect(pm.response.json().revocation_ordered_by).to.eql("bureau"); });'),
    request("Verification shows the revocation", "POST", "/api/v1/public/certificates/verify",
            body={"code": "{{certificate_code}}", "name": "{{holder_name}}"},
            tests='pm.test("revoked", function () { pm.expect(pm.response.json().status).to.eql("revoked"); });'),
]

collection = {
    "info": {
        "name": "skillcert — the whole procedure",
        "description": "渝人社发〔2020〕83号 end to end: filing, evaluation, approval, plan, candidates, scores, publicity (folder 1); "
        "after the publicity's 5 working days, report, review, issuance, verification, the holder's own download and a search (folder 2); corrections: a school record, "
        "a standard corrected and one withdrawn, a plan, a change filing (变更备案), a filing application, a revocation ordered by the bureau (folder 3). Generated by "
        "examples/postman/generate.py; run with examples/postman/run.sh.",
        "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    },
    "item": [
        {"name": "1 Filing to publicity", "item": phase1},
        {"name": "2 Report to verification", "item": phase2},
        {"name": "3 Corrections", "item": phase3},
    ],
}
environment = {
    "name": "skillcert (local)",
    "values": [
        {"key": "baseUrl", "value": "http://127.0.0.1:18081", "enabled": True},
        {"key": "adminPassword", "value": "postman-admin-pw-1", "enabled": True},
    ],
}
with open(os.path.join(HERE, "skillcert.postman_collection.json"), "w", encoding="utf-8") as f:
    json.dump(collection, f, ensure_ascii=False, indent=2)
    f.write("\n")
with open(os.path.join(HERE, "skillcert.postman_environment.json"), "w", encoding="utf-8") as f:
    json.dump(environment, f, ensure_ascii=False, indent=2)
    f.write("\n")
