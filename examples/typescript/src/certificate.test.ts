// Two weeks later (run.sh restarts the server with its clock at 2026-11-16): the publicity is
// over, the school reports the results, the centre approves them, the school issues the
// certificate, and anyone verifies it with its code and the holder's name, with no account.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

const baseUrl = process.env.SKILLCERT_URL ?? "http://127.0.0.1:8080";
const stateFile = process.env.STATE_FILE ?? "state.json";
const api = createClient<paths>({ baseUrl });

async function signIn(username: string, password: string): Promise<{ Authorization: string }> {
  const { data, error } = await api.POST("/api/v1/auth/login", { body: { username, password } });
  assert.ok(data, JSON.stringify(error));
  return { Authorization: `Bearer ${data.access_token}` };
}

test("the plan's certificate is issued and verifies publicly", async () => {
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as { planId: string; holder: string; password: string };
  const school = await signIn("school.ts", state.password);
  const centre = await signIn("centre.ts", state.password);
  const planPath = { path: { id: state.planId } };

  const reported = await api.POST("/api/v1/plans/{id}/report", { headers: school, params: planPath });
  assert.ok(reported.data, JSON.stringify(reported.error));
  const reviewed = await api.POST("/api/v1/plans/{id}/review", {
    headers: centre, params: planPath, body: { decision: "approve" },
  });
  assert.ok(reviewed.data, JSON.stringify(reviewed.error));

  // A retry with the same Idempotency-Key gets the same certificates, never new ones.
  const issue = () =>
    api.POST("/api/v1/plans/{id}/certificates", {
      headers: school, params: { ...planPath, header: { "Idempotency-Key": "typescript-issue-1" } }, body: {},
    });
  const issued = await issue();
  assert.equal(issued.response.status, 201, JSON.stringify(issued.error));
  const certificate = issued.data?.items[0];
  assert.ok(certificate, "one certificate");
  assert.equal(certificate.code.length, 22);
  const again = await issue();
  assert.equal(again.data?.items[0]?.code, certificate.code);

  // Public verification: no token; the ID number is never in the answer.
  const verified = await api.POST("/api/v1/public/certificates/verify", {
    body: { code: certificate.code, name: state.holder },
  });
  assert.ok(verified.data, JSON.stringify(verified.error));
  assert.equal(verified.data.status, "valid");
  assert.equal(verified.data.code, certificate.code);
  assert.ok(!JSON.stringify(verified.data).includes("50010120080301100X"));
  const wrongName = await api.POST("/api/v1/public/certificates/verify", {
    body: { code: certificate.code, name: "李四" },
  });
  assert.equal(wrongName.response.status, 404);
});
