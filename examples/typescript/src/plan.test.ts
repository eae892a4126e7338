// A school files its batch plan, from a fresh server: the bureau registers what the school needs
// (a standard, the school and its account, an expert), the school files, the bureau and the
// expert evaluate and approve (the institution gets its filing code), the school files a plan for
// the new institution with a candidate and their photo, the centre acknowledges it, and the school records the scores and starts
// their publicity. Run with the server's clock at 2026-11-02 (run.sh does); what the next step
// (certificate.test.ts, two weeks later) needs is written to STATE_FILE.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

const baseUrl = process.env.SKILLCERT_URL ?? "http://127.0.0.1:8080";
const adminPassword = process.env.SKILLCERT_ADMIN_PASSWORD ?? "";
const commitmentPdf = process.env.COMMITMENT_PDF ?? "../postman/commitment.pdf";
const photoPng = process.env.PHOTO_PNG ?? "../postman/photo.png";
const stateFile = process.env.STATE_FILE ?? "state.json";
const api = createClient<paths>({ baseUrl });

type FilingDocument = components["schemas"]["FilingDocument"];
type PlanBody = components["schemas"]["PlanBody"];

async function signIn(username: string, password: string): Promise<{ Authorization: string }> {
  const { data, error } = await api.POST("/api/v1/auth/login", { body: { username, password } });
  assert.ok(data, JSON.stringify(error));
  return { Authorization: `Bearer ${data.access_token}` };
}

test("a school is filed and files its batch plan", async () => {
  const bureau = await signIn("admin", adminPassword);
  const password = "a-long-password-1";

  const expert = await api.POST("/api/v1/users", {
    headers: bureau,
    body: { username: "expert.ts", display_name: "赵专家", role: "expert", password },
  });
  assert.ok(expert.data, JSON.stringify(expert.error));
  // The centre's registry (notice 五(一)): the examiners the filing names, a quality supervisor
  // for the plan's draw, and the expert with their account.
  const centre = await api.POST("/api/v1/users", {
    headers: bureau,
    body: { username: "centre.ts", display_name: "李主任", role: "centre", password },
  });
  assert.ok(centre.data, JSON.stringify(centre.error));
  const centreAuth = await signIn("centre.ts", password);
  const register = async (body: components["schemas"]["NewPerson"]) => {
    const registered = await api.POST("/api/v1/personnel", { headers: centreAuth, body });
    assert.ok(registered.data, JSON.stringify(registered.error));
  };
  const examinerIds = ["500101200803010103", "500101200803010111", "50010120080301012X"];
  for (const [n, id] of examinerIds.entries()) {
    await register({
      kind: "examiner", name: `考评员${n}`, id_number: id, certificate_number: `KP-${n}`, valid_until: "2029-12-31",
      employer: "重庆市示范技工学校", qualifications: [{ occupation_code: "6-18-01-01", levels: ["4", "5"] }],
    });
  }
  await register({
    kind: "quality_supervisor", name: "孙督导", id_number: "50010120080301020X", certificate_number: "DD-0",
    valid_until: "2029-12-31", employer: "市职业技能鉴定指导中心",
  });
  await register({
    kind: "expert", name: "赵专家", id_number: "500101200803010218", certificate_number: "ZJ-0",
    valid_until: "2029-12-31", employer: "重庆大学", user_id: expert.data.id,
  });
  const standard = await api.POST("/api/v1/standards", {
    headers: bureau,
    body: { occupation_code: "6-18-01-01", kind: "national_standard", title: "车工 国家职业技能标准", levels: ["4", "5"] },
  });
  assert.ok(standard.data, JSON.stringify(standard.error));
  const school = await api.POST("/api/v1/schools", {
    headers: bureau,
    body: {
      name: "重庆市示范技工学校",
      school_type: "technical_school",
      credit_code: "52500000MJ0000001W",
      district_code: "500101",
      registered_address: "重庆市万州区示范路1号",
      office_address: "重庆市万州区示范路1号",
      legal_representative: "张校长",
      contact_name: "李老师",
      contact_phone: "13800138000",
    },
  });
  assert.ok(school.data, JSON.stringify(school.error));
  const account = await api.POST("/api/v1/schools/{id}/accounts", {
    headers: bureau,
    params: { path: { id: school.data.id } },
    body: { username: "school.ts", display_name: "备案专员", password },
  });
  assert.ok(account.data, JSON.stringify(account.error));
  const schoolAuth = await signIn("school.ts", password);

  // The filing application, its signed commitment and Annex 1–3.
  const filing = await api.POST("/api/v1/filings", { headers: schoolAuth, body: { kind: "initial" } });
  assert.ok(filing.data, JSON.stringify(filing.error));
  const filingId = filing.data.id;
  // The contract describes raw file bodies as bytes; a browser or node sends the file itself.
  const upload = await fetch(
    `${baseUrl}/api/v1/filings/${filingId}/attachments?purpose=commitment&file_name=commitment.pdf`,
    { method: "POST", headers: { ...schoolAuth, "Content-Type": "application/pdf" }, body: readFileSync(commitmentPdf) },
  );
  assert.equal(upload.status, 201, await upload.clone().text());
  const attachmentId = ((await upload.json()) as components["schemas"]["FilingView"]).attachments[0]?.id;
  const examiner = (n: number, id: string) => ({
    name: `考评员${n}`, id_number: id, certificate_number: `KP-${n}`, occupation_codes: ["6-18-01-01"],
    title: "高级技师", education: "本科", employer: "本校",
  });
  const document: FilingDocument = {
    basic: {
      name: "重庆市示范技工学校", registered_address: "重庆市万州区示范路1号", office_address: "重庆市万州区示范路1号",
      credit_code: "52500000MJ0000001W", legal_representative: "张校长", contact_name: "李老师", contact_mobile: "13800138000",
    },
    occupations: (["4", "5"] as const).map((level) => ({ major: "机械加工", occupation_code: "6-18-01-01", level, standard_id: standard.data.id })),
    majors: [{ name: "机械加工", strengths: "国家级示范专业", preparatory_technician_class: false }],
    sites: [{ name: "实训楼", address: "校内", area_m2: 3000, purpose: "实操考核" }],
    equipment: [{ name: "数控车床", brand: "沈阳", model: "CAK6150", quantity: 20, ownership: "owned" }],
    exam_management: "计算机考试管理系统，100个机位",
    video_monitoring: "全部考场视频监控，录像保存一年",
    staff: [{ name: "王主任", id_number: "500101200803010015", position: "主任", education: "本科", duties: "统筹" }],
    experts: [{ name: "赵专家", id_number: "500101200803010023", education: "博士", field: "机械", title: "教授", employer: "本校" }],
    examiners: [examiner(0, "500101200803010103"), examiner(1, "500101200803010111"), examiner(2, "50010120080301012X")],
    supervisors: [{ name: "钱督导", id_number: "500101200803010031", title: "高级讲师", education: "本科", employer: "本校" }],
    work_plan: {
      school_overview: "概况", overall_plan: "方案", organisation: "机构", occupations_and_standards: "标准",
      teaching_alignment: "衔接", management_rules: "制度", fees: "收费", assessment: "方式", other: "无",
    },
    commitment: { legal_representative: "张校长", signed_on: "2026-11-02", attachment_id: attachmentId },
  };
  const current = await api.GET("/api/v1/filings/{id}", { headers: schoolAuth, params: { path: { id: filingId } } });
  const saved = await api.PUT("/api/v1/filings/{id}/document", {
    headers: schoolAuth,
    params: { path: { id: filingId }, header: { "If-Match": current.response.headers.get("ETag") ?? "" } },
    body: document,
  });
  assert.ok(saved.data, JSON.stringify(saved.error));
  const submitted = await api.POST("/api/v1/filings/{id}/submit", { headers: schoolAuth, params: { path: { id: filingId } } });
  assert.equal(submitted.data?.status, "submitted", JSON.stringify(submitted.error));

  // The bureau accepts it and assigns the expert, who evaluates; the bureau approves.
  const path = { path: { id: filingId } };
  assert.ok((await api.POST("/api/v1/filings/{id}/accept", { headers: bureau, params: path })).data);
  const assigned = await api.POST("/api/v1/filings/{id}/experts", {
    headers: bureau, params: path, body: { expert_ids: [expert.data.id] },
  });
  assert.ok(assigned.data, JSON.stringify(assigned.error));
  const expertAuth = await signIn("expert.ts", password);
  const met = { met: true, comment: "符合要求" };
  const evaluated = await api.POST("/api/v1/filings/{id}/evaluations", {
    headers: expertAuth, params: path,
    body: { findings: { organisation_and_people: met, sites_and_equipment: met, question_bank: met, funding: met }, recommendation: "approve" },
  });
  assert.ok(evaluated.data, JSON.stringify(evaluated.error));
  const approved = await api.POST("/api/v1/filings/{id}/approve", {
    headers: bureau, params: path, body: { valid_until: "2029-11-01", opinion: "同意备案。" },
  });
  assert.equal(approved.data?.status, "approved", JSON.stringify(approved.error));

  // The school files a batch plan: sessions at least 10 working days ahead (R17).
  const body: PlanBody = {
    title: "2026年冬季车工中级批次",
    method: { process_assessment: true, components: ["theory_exam", "practical_exam"] },
    occupations: [{ occupation_code: "6-18-01-01", level: "4" }],
    sessions: [{
      occupation_code: "6-18-01-01", date: "2026-12-15", starts_at: "09:00", ends_at: "11:00", venue: "实训楼101",
      kind: "theory", examiners: ["KP-0", "KP-1"], supervisors: ["钱督导"],
    }],
  };
  const plan = await api.POST("/api/v1/plans", { headers: schoolAuth, body });
  assert.ok(plan.data, JSON.stringify(plan.error));
  const planPath = { path: { id: plan.data.id } };
  const candidate = await api.POST("/api/v1/plans/{id}/candidates", {
    headers: schoolAuth, params: planPath,
    body: {
      name: "王小明", gender: "female", id_number: "50010120080301100X", student_number: "20240001",
      major: "机械加工", class_name: "2024级1班", full_time_confirmed: true, consent_recorded: true,
      occupation_code: "6-18-01-01", level: "4",
    },
  });
  assert.ok(candidate.data, JSON.stringify(candidate.error));
  // The certificate carries the candidate's 2-inch photo (R29): the body is the PNG file itself.
  // The contract types a binary body as bytes; the serializer sends the file as it is.
  const photo = readFileSync(photoPng);
  const uploaded = await api.PUT("/api/v1/plans/{id}/candidates/{candidate_id}/photo", {
    headers: { ...schoolAuth, "Content-Type": "image/png" },
    params: { path: { id: plan.data.id, candidate_id: candidate.data.id } },
    body: [],
    bodySerializer: () => photo,
  });
  assert.equal(uploaded.response.status, 204, JSON.stringify(uploaded.error));
  const filed = await api.POST("/api/v1/plans/{id}/file", { headers: schoolAuth, params: planPath });
  assert.equal(filed.data?.status, "filed", JSON.stringify(filed.error));

  // The centre acknowledges the plan; the school records every component and starts the
  // publicity (5 working days, R21).
  const acknowledged = await api.POST("/api/v1/plans/{id}/acknowledge", { headers: centreAuth, params: planPath });
  assert.equal(acknowledged.data?.status, "acknowledged", JSON.stringify(acknowledged.error));
  const supervisor = await api.POST("/api/v1/plans/{id}/quality-supervisor", { headers: centreAuth, params: planPath });
  assert.ok(supervisor.data?.seed, JSON.stringify(supervisor.error));
  const results = (["process", "theory_exam", "practical_exam"] as const).map((component) => ({
    candidate_id: candidate.data.id, component, score: 85,
  }));
  const recorded = await api.POST("/api/v1/plans/{id}/results", { headers: schoolAuth, params: planPath, body: { results } });
  assert.ok(recorded.data, JSON.stringify(recorded.error));
  const publicity = await api.POST("/api/v1/plans/{id}/publicity", { headers: schoolAuth, params: planPath });
  assert.ok(publicity.data, JSON.stringify(publicity.error));
  writeFileSync(stateFile, JSON.stringify({ planId: plan.data.id, holder: "王小明", password }));
});
