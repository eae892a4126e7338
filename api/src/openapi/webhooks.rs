//! The events skillcert posts to the national platform, as OpenAPI 3.1 `webhooks`.

use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

/// The events skillcert posts to `SKILLCERT_WEBHOOK_URL` (OpenAPI 3.1 `webhooks`).
pub(super) fn webhooks() -> utoipa::openapi::path::Paths {
    use utoipa::openapi::HttpMethod;
    use utoipa::openapi::path::{OperationBuilder, PathItem, PathsBuilder};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(utoipa::openapi::Required::True)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let op = OperationBuilder::new()
        .operation_id(Some("skillcertEvent"))
        .summary(Some("An institution or certificate event for the national platform"))
        .description(Some(
            "Sent in order per institution, at least once: answer 2xx within the timeout once stored, \
and ignore a `delivery_id` you have seen. Check `X-Skillcert-Signature` (Ed25519 over \
`skillcert-webhook-v1\\n{timestamp}\\n{delivery_id}\\n{body}`, key `X-Skillcert-Key-Id` from \
`/.well-known/skillcert-keys.json`); see docs/INTEGRATION.md.",
        ))
        .tag("integration")
        .parameter(header(
            "X-Skillcert-Delivery",
            "The delivery id (same as in the body), kept across retries",
        ))
        .parameter(header("X-Skillcert-Event", "The event type"))
        .parameter(header("X-Skillcert-Timestamp", "Unix time of this attempt, signed"))
        .parameter(header("X-Skillcert-Key-Id", "The kid of the signing key"))
        .parameter(header("X-Skillcert-Signature", "`ed25519=` and the base64url signature"))
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(utoipa::openapi::Required::True))
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("WebhookEvent"))).build(),
                )
                .build(),
        ))
        .response("200", ResponseBuilder::new().description("Received (any 2xx)").build())
        .build();
    // skillcert sends it: the receiver authenticates the body by its signature, not a scheme.
    let mut op = op;
    op.security = Some(Vec::new());
    PathsBuilder::new().path("skillcertEvent", PathItem::new(HttpMethod::Post, op)).build()
}
