// A front-end team's first contact with skillcert, typed end to end from openapi.yaml: every path,
// parameter, body and answer below is checked by tsc --strict against the generated types.
//
//   SKILLCERT_URL=http://127.0.0.1:8080 SKILLCERT_ADMIN_PASSWORD=… npm test
import { test } from "node:test";
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

const baseUrl = process.env.SKILLCERT_URL ?? "http://127.0.0.1:8080";
const password = process.env.SKILLCERT_ADMIN_PASSWORD ?? "";

type Problem = components["schemas"]["Problem"];

const client = createClient<paths>({ baseUrl, headers: { "Accept-Language": "en" } });

test("the bureau signs in and reads who it is", async () => {
  const signIn = await client.POST("/api/v1/auth/login", { body: { username: "admin", password } });
  assert.equal(signIn.response.status, 200, JSON.stringify(signIn.error));
  const token = signIn.data?.access_token ?? "";
  assert.equal(signIn.data?.token_type, "Bearer");
  const me = await client.GET("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(me.data?.username, "admin");
  assert.equal(me.data?.role, "bureau");
});

test("a wrong password is a problem document with a stable code", async () => {
  const signIn = await client.POST("/api/v1/auth/login", {
    body: { username: "admin", password: "not-the-password" },
  });
  assert.equal(signIn.response.status, 401);
  const problem = signIn.error as Problem;
  assert.equal(problem.code, "invalid_credentials");
});

test("anyone verifies a certificate; an unknown code and a wrong name look the same", async () => {
  const miss = await client.POST("/api/v1/public/certificates/verify", {
    body: { code: "S000050000001264000001", name: "王小明" },
  });
  assert.equal(miss.response.status, 404);
  assert.equal((miss.error as Problem).code, "certificate_not_found");
  const decoded = await client.GET("/api/v1/certificate-codes/{code}", {
    params: { path: { code: "S000050000001264000001" } },
  });
  assert.equal(decoded.response.status, 200, JSON.stringify(decoded.error));
});

test("reference data needs no account", async () => {
  const districts = await client.GET("/api/v1/districts");
  assert.ok((districts.data?.length ?? 0) >= 38, "Chongqing's districts and counties");
});
