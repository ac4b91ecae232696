//! The OpenAPI 3.1 document, generated at start-up from the descriptor set:
//! every exposed (non-internal) route, its parameters, bodies and schemas,
//! the bearer security scheme and the error schema (`google.rpc.Status`).
//! Descriptions come from the proto comments.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use hms_kit::auth::{Policies, Policy};
use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MessageDescriptor, Value as PValue};
use serde_json::{Map, Value, json};

use crate::Shared;
#[cfg(test)]
use crate::transcode::Route;
use crate::transcode::Transcoder;

const ERROR_SCHEMA: &str = "google.rpc.Status";
/// Error details HMS services send, documented for clients.
const DETAIL_TYPES: &[&str] =
    &["google.rpc.BadRequest", "google.rpc.ErrorInfo", "google.rpc.RetryInfo", "google.rpc.PreconditionFailure"];

pub fn document(transcoder: &Transcoder, policies: &Policies) -> Value {
    let pool = transcoder.pool();
    let comments = Comments::new(pool);
    let mut schemas = Schemas { pool, comments: &comments, wanted: VecDeque::new(), done: BTreeMap::new() };
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut tags = BTreeSet::new();
    // Bindings of one method seen so far: operation ids must be unique, so an
    // additional binding (seed 003's spelling of a route) gets `_2`, `_3`, ….
    let mut bindings: HashMap<String, usize> = HashMap::new();

    for route in transcoder.routes() {
        let method = route.method();
        let service = method.parent_service();
        tags.insert(service.name().to_owned());
        let description = comments.get(method.parent_file().name(), method.path());
        let mut op = Map::new();
        let seen = bindings.entry(route.grpc_path.clone()).or_default();
        *seen += 1;
        let suffix = if *seen == 1 { String::new() } else { format!("_{seen}") };
        op.insert("operationId".into(), json!(format!("{}_{}{suffix}", service.name(), method.name())));
        op.insert("tags".into(), json!([service.name()]));
        op.insert("summary".into(), json!(first_sentence(&description).unwrap_or_else(|| method.name().to_owned())));
        if !description.is_empty() {
            op.insert("description".into(), json!(description));
        }
        op.insert("x-grpc-method".into(), json!(route.grpc_path));
        match policies.get(&route.grpc_path) {
            Some(Policy::Public) => {
                op.insert("security".into(), json!([]));
            }
            Some(Policy::Authenticated(roles)) => {
                op.insert("security".into(), json!([{"bearer": []}]));
                let roles: Vec<&str> = roles.iter().map(|r| hms_kit::auth::role_name(*r)).collect();
                op.insert("x-roles".into(), json!(roles));
            }
            _ => continue,
        }

        let input = method.input();
        let path_fields = route.path_fields();
        let mut parameters = Vec::new();
        for (name, field) in route.path_parameters() {
            let schema = field_path(&input, &field).map_or(json!({"type": "string"}), |f| schemas.scalar_schema(&f));
            let mut parameter = json!({"name": name, "in": "path", "required": true, "schema": schema});
            if name != field {
                parameter["description"] = json!(format!("Sets the request's `{field}`."));
                parameter["x-proto-field"] = json!(field);
            }
            parameters.push(parameter);
        }
        if crate::idempotency::takes_key(&input) {
            parameters.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string"},
                "description": "Sets `idempotency_key` (the body may leave it out). \
                    A different `idempotency_key` in the body is refused (400).",
            }));
        }
        if route.body.is_empty() {
            query_parameters(&mut schemas, &input, "", &path_fields, 0, &mut parameters);
        } else if route.body == "*" {
            let mut schema = schemas.message_schema(&input);
            if let Some(Value::Object(props)) = schema.get_mut("properties") {
                for f in &path_fields {
                    props.remove(f);
                }
            }
            if let Some(Value::Array(required)) = schema.get_mut("required") {
                required.retain(|r| !path_fields.iter().any(|f| r == f));
            }
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": schema}}}),
            );
        } else if let Some(field) = input.get_field_by_name(&route.body) {
            let schema = schemas.field_schema(&field);
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": schema}}}),
            );
            query_parameters(
                &mut schemas,
                &input,
                "",
                &[path_fields.clone(), vec![route.body.clone()]].concat(),
                0,
                &mut parameters,
            );
        }
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }

        let output = method.output();
        let response_schema = match output.get_field_by_name(&route.response_body) {
            Some(field) if !route.response_body.is_empty() => schemas.field_schema(&field),
            _ => schemas.reference(&output),
        };
        let ok = if route.server_streaming {
            json!({"description": "A stream of messages: NDJSON, or SSE with `Accept: text/event-stream`",
                   "content": {"application/x-ndjson": {"schema": response_schema},
                               "text/event-stream": {"schema": {"type": "string"}}}})
        } else {
            json!({"description": "OK", "content": {"application/json": {"schema": response_schema}}})
        };
        op.insert(
            "responses".into(),
            json!({
                "200": ok,
                "default": {"$ref": "#/components/responses/Error"},
                "429": {"$ref": "#/components/responses/TooManyRequests"},
            }),
        );
        paths
            .entry(route.openapi_path())
            .or_default()
            .insert(route.http_method.as_str().to_ascii_lowercase(), Value::Object(op));
    }

    if let Some(status) = pool.get_message_by_name(ERROR_SCHEMA) {
        schemas.reference(&status);
    }
    for name in DETAIL_TYPES {
        if let Some(m) = pool.get_message_by_name(name) {
            schemas.reference(&m);
        }
    }
    let schemas = schemas.finish();
    let error = json!({"description": "An error: a `google.rpc.Status` with decoded details \
        (BadRequest, ErrorInfo, RetryInfo, ...). gRPC codes map to HTTP statuses.",
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{ERROR_SCHEMA}")}}}});
    let too_many = json!({"description": "Rate limited: retry after `Retry-After` seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{ERROR_SCHEMA}")}}}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "HMS API",
            "version": "v1",
            "description": "REST/JSON of the HMS services, transcoded by the gateway from the protos. \
                JSON uses proto field names (lowerCamelCase accepted on input), 64-bit integers as strings, \
                enums as names; fields with default values are emitted.",
        },
        "servers": [{"url": "/"}],
        "tags": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {"Error": error, "TooManyRequests": too_many},
            "schemas": schemas,
        },
    })
}

fn first_sentence(text: &str) -> Option<String> {
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.trim_end_matches('.').to_owned())
}

fn field_path(message: &MessageDescriptor, path: &str) -> Option<FieldDescriptor> {
    let mut desc = message.clone();
    let mut names = path.split('.').peekable();
    while let Some(name) = names.next() {
        let field = desc.get_field_by_name(name)?;
        if names.peek().is_none() {
            return Some(field);
        }
        let Kind::Message(next) = field.kind() else { return None };
        desc = next;
    }
    None
}

/// Query parameters of the fields not bound by the path, nested messages as
/// dotted names (`page.page_size`), repeated scalars as repeated parameters.
fn query_parameters(
    schemas: &mut Schemas<'_>,
    message: &MessageDescriptor,
    prefix: &str,
    bound: &[String],
    depth: usize,
    out: &mut Vec<Value>,
) {
    for field in message.fields() {
        let name = format!("{prefix}{}", field.name());
        if bound.contains(&name) || field.is_map() {
            continue;
        }
        match field.kind() {
            Kind::Message(m) if !is_well_known(m.full_name()) => {
                if depth < 3 && !field.is_list() {
                    query_parameters(schemas, &m, &format!("{name}."), bound, depth + 1, out);
                }
            }
            _ => {
                let mut parameter =
                    json!({"name": name, "in": "query", "required": false, "schema": schemas.field_schema(&field)});
                if field.is_list() {
                    parameter["style"] = json!("form");
                    parameter["explode"] = json!(true);
                }
                let description = schemas.comments.get(field.parent_file().name(), field.path());
                if !description.is_empty() {
                    parameter["description"] = json!(description);
                }
                out.push(parameter);
            }
        }
    }
}

fn is_well_known(name: &str) -> bool {
    name.starts_with("google.protobuf.")
}

/// Leading comments by descriptor location.
struct Comments {
    by_location: HashMap<(String, Vec<i32>), String>,
}

impl Comments {
    fn new(pool: &DescriptorPool) -> Self {
        let mut by_location = HashMap::new();
        for file in pool.files() {
            let proto = file.file_descriptor_proto();
            let Some(info) = &proto.source_code_info else { continue };
            for location in &info.location {
                if let Some(text) = &location.leading_comments {
                    let text = text.lines().map(str::trim).collect::<Vec<_>>().join("\n").trim().to_owned();
                    if !text.is_empty() {
                        by_location.insert((file.name().to_owned(), location.path.clone()), text);
                    }
                }
            }
        }
        Self { by_location }
    }

    fn get(&self, file: &str, path: &[i32]) -> String {
        self.by_location.get(&(file.to_owned(), path.to_vec())).cloned().unwrap_or_default()
    }
}

/// JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the messages reached.
struct Schemas<'a> {
    pool: &'a DescriptorPool,
    comments: &'a Comments,
    wanted: VecDeque<MessageDescriptor>,
    done: BTreeMap<String, Value>,
}

impl Schemas<'_> {
    fn reference(&mut self, message: &MessageDescriptor) -> Value {
        if let Some(schema) = well_known(message.full_name()) {
            return schema;
        }
        if !self.done.contains_key(message.full_name()) {
            self.done.insert(message.full_name().to_owned(), Value::Null);
            self.wanted.push_back(message.clone());
        }
        json!({"$ref": format!("#/components/schemas/{}", message.full_name())})
    }

    fn finish(mut self) -> BTreeMap<String, Value> {
        while let Some(message) = self.wanted.pop_front() {
            let schema = self.message_schema(&message);
            self.done.insert(message.full_name().to_owned(), schema);
        }
        self.done
    }

    fn message_schema(&mut self, message: &MessageDescriptor) -> Value {
        let behavior = self.pool.get_extension_by_name("google.api.field_behavior");
        let mut properties = Map::new();
        let mut required = Vec::new();
        for field in message.fields() {
            let mut schema = self.field_schema(&field);
            let description = self.comments.get(field.parent_file().name(), field.path());
            let behaviors: Vec<i32> = match &behavior {
                Some(ext) if field.options().has_extension(ext) => match field.options().get_extension(ext).as_ref() {
                    PValue::List(items) => items.iter().filter_map(PValue::as_enum_number).collect(),
                    _ => vec![],
                },
                _ => vec![],
            };
            if let Value::Object(obj) = &mut schema {
                if !description.is_empty() {
                    obj.insert("description".into(), json!(description));
                }
                if behaviors.contains(&3) {
                    obj.insert("readOnly".into(), json!(true));
                }
                if behaviors.contains(&4) {
                    obj.insert("writeOnly".into(), json!(true));
                }
            }
            if behaviors.contains(&2) {
                required.push(json!(field.name()));
            }
            properties.insert(field.name().to_owned(), schema);
        }
        let mut schema = json!({"type": "object", "properties": properties});
        let description = self.comments.get(message.parent_file().name(), message.path());
        if !description.is_empty() {
            schema["description"] = json!(description);
        }
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        let oneofs: Vec<Value> = message
            .oneofs()
            .filter(|o| !o.is_synthetic())
            .map(|o| json!({"name": o.name(), "fields": o.fields().map(|f| f.name().to_owned()).collect::<Vec<_>>()}))
            .collect();
        if !oneofs.is_empty() {
            schema["x-oneofs"] = Value::Array(oneofs);
            schema["description"] = json!(format!(
                "{}{}At most one field of each oneof may be set.",
                schema["description"].as_str().unwrap_or_default(),
                if schema["description"].is_string() { "\n\n" } else { "" }
            ));
        }
        schema
    }

    fn field_schema(&mut self, field: &FieldDescriptor) -> Value {
        if field.is_map() {
            let Kind::Message(entry) = field.kind() else { return json!({"type": "object"}) };
            let value = self.scalar_schema(&entry.map_entry_value_field());
            return json!({"type": "object", "additionalProperties": value});
        }
        let item = self.scalar_schema(field);
        if field.is_list() { json!({"type": "array", "items": item}) } else { item }
    }

    /// The schema of one value of the field (ignoring repetition).
    fn scalar_schema(&mut self, field: &FieldDescriptor) -> Value {
        match field.kind() {
            Kind::Double | Kind::Float => json!({"type": "number"}),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => json!({"type": "integer", "format": "int32"}),
            Kind::Uint32 | Kind::Fixed32 => json!({"type": "integer", "format": "int32", "minimum": 0}),
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => json!({"type": "string", "format": "int64"}),
            Kind::Uint64 | Kind::Fixed64 => json!({"type": "string", "format": "uint64"}),
            Kind::Bool => json!({"type": "boolean"}),
            Kind::String => json!({"type": "string"}),
            Kind::Bytes => json!({"type": "string", "contentEncoding": "base64"}),
            Kind::Enum(e) => {
                json!({"type": "string", "enum": e.values().map(|v| v.name().to_owned()).collect::<Vec<_>>()})
            }
            Kind::Message(m) => self.reference(&m),
        }
    }
}

fn well_known(name: &str) -> Option<Value> {
    Some(match name {
        "google.protobuf.Timestamp" => json!({"type": "string", "format": "date-time"}),
        "google.protobuf.Duration" => json!({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,9})?s$"}),
        "google.protobuf.FieldMask" => json!({"type": "string"}),
        "google.protobuf.Empty" => json!({"type": "object"}),
        "google.protobuf.Struct" => json!({"type": "object", "additionalProperties": true}),
        "google.protobuf.Value" => json!({}),
        "google.protobuf.ListValue" => json!({"type": "array"}),
        "google.protobuf.Any" => json!({
            "type": "object",
            "properties": {"@type": {"type": "string"}},
            "required": ["@type"],
            "additionalProperties": true,
        }),
        "google.protobuf.BoolValue" => json!({"type": "boolean"}),
        "google.protobuf.StringValue" => json!({"type": "string"}),
        "google.protobuf.BytesValue" => json!({"type": "string", "contentEncoding": "base64"}),
        "google.protobuf.Int32Value" | "google.protobuf.UInt32Value" => json!({"type": "integer"}),
        "google.protobuf.Int64Value" | "google.protobuf.UInt64Value" => json!({"type": "string", "format": "int64"}),
        "google.protobuf.FloatValue" | "google.protobuf.DoubleValue" => json!({"type": "number"}),
        _ => return None,
    })
}

/// A route's place in the document.
#[cfg(test)]
fn operation_key(route: &Route) -> (String, String) {
    (route.openapi_path(), route.http_method.as_str().to_ascii_lowercase())
}

pub async fn serve_document(State(shared): State<Arc<Shared>>) -> Response {
    ([(http::header::CONTENT_TYPE, "application/json")], shared.openapi.clone()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exposed_route_is_documented_and_internal_ones_are_not() {
        let policies = Policies::hms().unwrap();
        let transcoder = Transcoder::new(hms_proto::FILE_DESCRIPTOR_SET, |p| {
            !matches!(policies.get(p), Some(Policy::Internal) | None)
        })
        .unwrap();
        let doc = document(&transcoder, &policies);
        assert!(!transcoder.routes().is_empty());
        for route in transcoder.routes() {
            let (path, method) = operation_key(route);
            assert!(doc["paths"][&path][&method].is_object(), "{method} {path} missing");
        }
        assert!(doc["paths"]["/api/v1/users/token/verify"].is_null());
        assert!(doc["paths"]["/api/v1/admin/users/{user_id}/contact-info"].is_null());
        // An additional binding is documented under its own operation id.
        let confirm =
            |verb: &str| doc["paths"]["/api/v1/appointments/{appointment_id}/confirm"][verb]["operationId"].clone();
        assert_eq!(confirm("post"), "AppointmentService_ConfirmAppointment");
        assert_eq!(confirm("put"), "AppointmentService_ConfirmAppointment_2");
        let list = &doc["paths"]["/api/v1/admin/users"]["get"];
        let names: Vec<&str> =
            list["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"page.page_size") && names.contains(&"role"), "{names:?}");
        assert_eq!(list["security"], json!([{"bearer": []}]));
        assert_eq!(doc["paths"]["/api/v1/users/login"]["post"]["security"], json!([]));
        assert!(doc["components"]["schemas"]["google.rpc.Status"].is_object());
        assert!(doc["components"]["schemas"]["google.rpc.BadRequest"].is_object());
    }

    #[test]
    fn nested_path_variables_get_plain_names_and_idempotent_posts_the_header() {
        let policies = Policies::hms().unwrap();
        let transcoder = Transcoder::new(hms_proto::FILE_DESCRIPTOR_SET, |_| true).unwrap();
        let doc = document(&transcoder, &policies);
        let update = &doc["paths"]["/api/v1/admin/notification-templates/{template_id}"]["put"];
        assert_eq!(update["x-grpc-method"], "/hms.notification.v1.NotificationService/UpdateTemplate");
        assert_eq!(update["parameters"][0]["name"], "template_id");
        assert_eq!(update["parameters"][0]["x-proto-field"], "template.id");
        let pay = &doc["paths"]["/api/v1/invoices/{invoice_id}/pay"]["post"];
        let header = pay["parameters"].as_array().unwrap().iter().find(|p| p["in"] == "header").unwrap();
        assert_eq!(header["name"], "Idempotency-Key");
        let create = &doc["paths"]["/api/v1/admin/invoices"]["post"];
        assert!(create["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "Idempotency-Key"), "{create}");
        let login = &doc["paths"]["/api/v1/users/login"]["post"];
        assert!(login["parameters"].is_null(), "{login}");
    }
}
