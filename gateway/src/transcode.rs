//! REST/JSON transcoding driven by the `google.api.http` annotations.
//!
//! This module (with [`crate::wire_json`], which writes responses as JSON
//! straight from their bytes) is the only place that knows about
//! prost-reflect: the rest of the gateway sees [`Transcoder`] (routes,
//! request encoding, response and error rendering) and bytes.
//!
//! JSON options (proto3 JSON mapping): output uses proto field names
//! (`first_name`), 64-bit integers as strings, enums as names, and emits
//! fields holding their default value (`"is_active": false`, `"items": []`);
//! unset message fields and oneofs are omitted. Input accepts proto names and
//! lowerCamelCase JSON names, numbers or strings for integers, enum names or
//! numbers; unknown fields are refused.

use bytes::Bytes;
use hms_proto::google::api::HttpRule;
use hms_proto::google::api::http_rule::Pattern;
use http::Method;
use prost::Message as _;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, MethodDescriptor,
    SerializeOptions, Value,
};
use serde_json::{Map, Value as Json};
use tonic::Status;

use crate::errors::invalid_argument;

/// One REST binding of an RPC.
#[derive(Debug, Clone)]
pub struct Route {
    pub http_method: Method,
    segments: Vec<Segment>,
    verb: Option<String>,
    /// `*`, a field name, or empty (no body).
    pub body: String,
    pub response_body: String,
    /// `/hms.user.v1.UserService/Login`.
    pub grpc_path: String,
    /// `hms.user.v1`.
    pub package: String,
    pub server_streaming: bool,
    /// The request carries file content (a `bytes` field): its body may be
    /// as large as `gateway.max_upload_bytes`.
    pub takes_file: bool,
    method: MethodDescriptor,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    /// A variable: its field path and sub-template (`*`, `**`, literals).
    Variable {
        field: String,
        parts: Vec<String>,
    },
}

impl Route {
    pub fn method(&self) -> &MethodDescriptor {
        &self.method
    }

    /// Names of the path variables, in order.
    pub fn path_fields(&self) -> Vec<String> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Variable { field, .. } => Some(field.clone()),
                Segment::Literal(_) => None,
            })
            .collect()
    }

    /// The path variables as OpenAPI parameters, in order: (plain name,
    /// field path). A nested field (`template.id`) is named `template_id`:
    /// client generators and schema-driven test tools read a dotted name as
    /// a property access. Requests match by position, so the name the
    /// document gives never changes routing.
    pub fn path_parameters(&self) -> Vec<(String, String)> {
        let input = self.method.input();
        let fields = self.path_fields();
        let mut out: Vec<(String, String)> = Vec::with_capacity(fields.len());
        for field in &fields {
            let mut name = field.replace('.', "_");
            if name != *field {
                // Never the name of another field of the request.
                while input.get_field_by_name(&name).is_some()
                    || fields.contains(&name)
                    || out.iter().any(|(taken, _)| *taken == name)
                {
                    name.push_str("_path");
                }
            }
            out.push((name, field.clone()));
        }
        out
    }

    /// The template in OpenAPI form (`{user_id}`), with the plain names of
    /// [`Route::path_parameters`].
    pub fn openapi_path(&self) -> String {
        let mut out = String::new();
        let mut names = self.path_parameters().into_iter().map(|(name, _)| name);
        for s in &self.segments {
            out.push('/');
            match s {
                Segment::Literal(l) => out.push_str(l),
                Segment::Variable { .. } => {
                    out.push('{');
                    out.push_str(&names.next().unwrap_or_default());
                    out.push('}');
                }
            }
        }
        if let Some(verb) = &self.verb {
            out.push(':');
            out.push_str(verb);
        }
        if out.is_empty() { "/".into() } else { out }
    }

    fn literal_count(&self) -> usize {
        self.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count()
    }

    /// Matches a request path; returns the variables' values, percent-decoded.
    fn matches(&self, path: &SplitPath<'_>) -> Option<Vec<(String, String)>> {
        let parts: &[&str] = match (&self.verb, &path.with_verb) {
            (None, _) => &path.plain,
            (Some(wanted), Some((parts, verb))) if wanted == verb => parts,
            (Some(_), _) => return None,
        };
        let mut captures = Vec::new();
        let mut i = 0;
        for (index, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(lit) => {
                    if parts.get(i) != Some(&lit.as_str()) {
                        return None;
                    }
                    i += 1;
                }
                Segment::Variable { field, parts: sub } => {
                    let mut taken = Vec::new();
                    for p in sub {
                        match p.as_str() {
                            "**" => {
                                // Leaves room for the literal segments after it.
                                let rest = self.segments.len() - index - 1;
                                let end = parts.len().checked_sub(rest)?;
                                if end < i {
                                    return None;
                                }
                                taken.extend(parts[i..end].iter().map(|s| decode(s, false)));
                                i = end;
                            }
                            "*" => {
                                let s = parts.get(i).filter(|s| !s.is_empty())?;
                                taken.push(decode(s, true));
                                i += 1;
                            }
                            lit => {
                                if parts.get(i) != Some(&lit) {
                                    return None;
                                }
                                taken.push(lit.to_owned());
                                i += 1;
                            }
                        }
                    }
                    captures.push((field.clone(), taken.join("/")));
                }
            }
        }
        (i == parts.len()).then_some(captures)
    }
}

/// A request path split into segments once, for matching against every
/// route: as is, and without a trailing `:verb` when it has one. A trailing
/// slash is ignored.
struct SplitPath<'a> {
    plain: Vec<&'a str>,
    with_verb: Option<(Vec<&'a str>, &'a str)>,
}

impl<'a> SplitPath<'a> {
    fn new(path: &'a str) -> Option<Self> {
        let path = path.strip_prefix('/')?;
        let path = path.strip_suffix('/').unwrap_or(path);
        let split = |p: &'a str| if p.is_empty() { Vec::new() } else { p.split('/').collect() };
        let with_verb = match path.rsplit_once(':') {
            Some((p, verb)) if !verb.contains('/') => Some((split(p), verb)),
            _ => None,
        };
        Some(Self { plain: split(path), with_verb })
    }
}

fn decode(segment: &str, _single: bool) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

fn parse_template(template: &str) -> anyhow::Result<(Vec<Segment>, Option<String>)> {
    let path = template.strip_prefix('/').ok_or_else(|| anyhow::anyhow!("template {template} must start with /"))?;
    // A verb follows the last segment (`/v1/things/{id}:cancel`).
    let (path, verb) = match path.rsplit_once(':') {
        Some((p, v)) if !v.contains('/') && !v.contains('}') => (p, Some(v.to_owned())),
        _ => (path, None),
    };
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('{') {
            let end = inner.find('}').ok_or_else(|| anyhow::anyhow!("unclosed variable in {template}"))?;
            let var = &inner[..end];
            let (field, sub) = var.split_once('=').unwrap_or((var, "*"));
            segments.push(Segment::Variable {
                field: field.to_owned(),
                parts: sub.split('/').map(str::to_owned).collect(),
            });
            rest = inner[end + 1..].strip_prefix('/').unwrap_or(&inner[end + 1..]);
        } else {
            let (lit, tail) = rest.split_once('/').unwrap_or((rest, ""));
            segments.push(Segment::Literal(lit.to_owned()));
            rest = tail;
        }
    }
    Ok((segments, verb))
}

/// The routes of every annotated RPC and the JSON mapping of their messages.
pub struct Transcoder {
    pool: DescriptorPool,
    routes: Vec<Route>,
    ser: SerializeOptions,
    plans: crate::wire_json::Plans,
}

/// Why a request has no route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRoute {
    /// No route has this path.
    UnknownPath,
    /// The path exists, with other HTTP methods.
    OtherMethod,
}

/// A route matched by a request, with its path variables.
pub struct Matched<'a> {
    pub route: &'a Route,
    pub variables: Vec<(String, String)>,
}

impl Transcoder {
    /// Reads the routes of every `hms.*` method; `include` decides which
    /// methods are exposed (the gateway leaves internal ones out).
    pub fn new(descriptor_set: &[u8], include: impl Fn(&str) -> bool) -> anyhow::Result<Self> {
        let pool = DescriptorPool::decode(descriptor_set)?;
        let http = pool
            .get_extension_by_name("google.api.http")
            .ok_or_else(|| anyhow::anyhow!("descriptor set lacks google.api.http"))?;
        let mut routes = Vec::new();
        for service in pool.services().filter(|s| s.full_name().starts_with("hms.")) {
            for method in service.methods() {
                let grpc_path = format!("/{}/{}", service.full_name(), method.name());
                let options = method.options();
                if !include(&grpc_path) || !options.has_extension(&http) {
                    continue;
                }
                let Value::Message(rule) = options.get_extension(&http).into_owned() else { continue };
                let rule: HttpRule = rule.transcode_to()?;
                let mut rules = vec![rule.clone()];
                rules.extend(rule.additional_bindings.iter().cloned());
                for rule in rules {
                    let (http_method, template) = match rule.pattern {
                        Some(Pattern::Get(t)) => (Method::GET, t),
                        Some(Pattern::Put(t)) => (Method::PUT, t),
                        Some(Pattern::Post(t)) => (Method::POST, t),
                        Some(Pattern::Delete(t)) => (Method::DELETE, t),
                        Some(Pattern::Patch(t)) => (Method::PATCH, t),
                        Some(Pattern::Custom(c)) => (Method::from_bytes(c.kind.as_bytes())?, c.path),
                        None => continue,
                    };
                    let (segments, verb) = parse_template(&template)?;
                    routes.push(Route {
                        http_method,
                        segments,
                        verb,
                        body: rule.body.clone(),
                        response_body: rule.response_body.clone(),
                        grpc_path: grpc_path.clone(),
                        package: service.package_name().to_owned(),
                        server_streaming: method.is_server_streaming(),
                        takes_file: method.input().fields().any(|f| f.kind() == Kind::Bytes),
                        method: method.clone(),
                    });
                }
            }
        }
        // The most specific template wins (`/users/me` before `/users/{id}`).
        routes.sort_by_key(|r| (std::cmp::Reverse(r.literal_count()), r.segments.len()));
        let plans = crate::wire_json::Plans::new(&pool);
        Ok(Self { pool, routes, ser: json_options(), plans })
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    pub fn pool(&self) -> &DescriptorPool {
        &self.pool
    }

    /// The route for a request.
    pub fn route(&self, method: &Method, path: &str) -> Result<Matched<'_>, NoRoute> {
        let Some(path) = SplitPath::new(path) else { return Err(NoRoute::UnknownPath) };
        let mut path_exists = false;
        for route in &self.routes {
            if let Some(variables) = route.matches(&path) {
                if route.http_method == method {
                    return Ok(Matched { route, variables });
                }
                path_exists = true;
            }
        }
        Err(if path_exists { NoRoute::OtherMethod } else { NoRoute::UnknownPath })
    }

    /// Builds the request message from path variables, the query string,
    /// the body and the `Idempotency-Key` header ([`crate::idempotency`]),
    /// and encodes it. Every refusal is INVALID_ARGUMENT.
    pub fn encode_request(
        &self,
        matched: &Matched<'_>,
        query: Option<&str>,
        body: &[u8],
        idempotency_key: Option<&str>,
    ) -> Result<Bytes, Status> {
        let route = matched.route;
        let input = route.method.input();
        let mut root = Map::new();
        if route.body == "*" {
            if let Some(object) = parse_body(body)? {
                match object {
                    Json::Object(map) => root = map,
                    _ => return Err(invalid_argument("body", "the request body must be a JSON object")),
                }
            }
        } else if !route.body.is_empty() {
            let field = input
                .get_field_by_name(&route.body)
                .ok_or_else(|| Status::internal(format!("body field {} does not exist", route.body)))?;
            if let Some(value) = parse_body(body)? {
                root.insert(field.name().to_owned(), value);
            }
        } else if !body.iter().all(u8::is_ascii_whitespace) {
            return Err(invalid_argument("body", "this route takes no request body"));
        }

        for (field, value) in &matched.variables {
            set_path(&input, &mut root, field, value, false, "path parameter")?;
        }
        if let Some(query) = query {
            // With `body: "*"` every field comes from the body; other routes
            // take the fields not bound elsewhere from the query string.
            for (key, value) in form_urlencoded::parse(query.as_bytes()) {
                if route.body == "*" {
                    return Err(invalid_argument(&key, "this route takes its fields from the body, not the query"));
                }
                if route.body == key.split('.').next().unwrap_or_default() {
                    return Err(invalid_argument(&key, "this field is bound to the request body"));
                }
                set_path(&input, &mut root, &key, &value, true, "query parameter")?;
            }
        }

        crate::idempotency::apply(&input, &mut root, idempotency_key)?;

        let message = DynamicMessage::deserialize_with_options(
            input,
            Json::Object(root),
            &DeserializeOptions::new().deny_unknown_fields(true),
        )
        .map_err(|e| invalid_argument("body", &format!("invalid request: {e}")))?;
        Ok(message.encode_to_vec().into())
    }

    /// The Content-Type and bytes of a `google.api.HttpBody` response, which
    /// is answered as they are rather than as JSON; None for any other.
    pub fn http_body(route: &Route, bytes: &[u8]) -> Result<Option<(String, Vec<u8>)>, Status> {
        if route.method.output().full_name() != "google.api.HttpBody" {
            return Ok(None);
        }
        let message = DynamicMessage::decode(route.method.output(), bytes)
            .map_err(|e| Status::internal(format!("undecodable response from the service: {e}")))?;
        let content_type = match message.get_field_by_name("content_type").as_deref() {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => "application/octet-stream".to_owned(),
        };
        let data = match message.get_field_by_name("data").as_deref() {
            Some(Value::Bytes(b)) => b.to_vec(),
            _ => Vec::new(),
        };
        Ok(Some((content_type, data)))
    }

    /// Renders a response message as JSON (its `response_body` field if set).
    pub fn render_response(&self, route: &Route, bytes: &[u8]) -> Result<Vec<u8>, Status> {
        if route.response_body.is_empty()
            && let Some(json) = self.plans.render(&route.method.output(), bytes)
        {
            return Ok(json);
        }
        let message = DynamicMessage::decode(route.method.output(), bytes)
            .map_err(|e| Status::internal(format!("undecodable response from the service: {e}")))?;
        if route.response_body.is_empty() {
            return self.to_json(&message);
        }
        match message.get_field_by_name(&route.response_body).as_deref() {
            Some(Value::Message(inner)) => self.to_json(inner),
            Some(Value::List(items)) => {
                let mut out = Vec::new();
                for item in items {
                    let Value::Message(m) = item else {
                        return Err(Status::internal("unsupported response_body kind"));
                    };
                    out.push(serde_json::from_slice::<Json>(&self.to_json(m)?).map_err(crate::errors::internal)?);
                }
                serde_json::to_vec(&out).map_err(crate::errors::internal)
            }
            _ => Err(Status::internal("unsupported response_body kind")),
        }
    }

    fn to_json(&self, message: &DynamicMessage) -> Result<Vec<u8>, Status> {
        let mut out = Vec::with_capacity(256);
        let mut serializer = serde_json::Serializer::new(&mut out);
        message.serialize_with_options(&mut serializer, &self.ser).map_err(crate::errors::internal)?;
        Ok(out)
    }

    /// A status as a JSON `google.rpc.Status`, details decoded.
    pub fn render_status(&self, status: &Status) -> Vec<u8> {
        let rendered = self.pool.get_message_by_name("google.rpc.Status").and_then(|desc| {
            let mut message = if status.details().is_empty() {
                DynamicMessage::new(desc.clone())
            } else {
                DynamicMessage::decode(desc.clone(), status.details()).ok()?
            };
            message.set_field_by_name("code", Value::I32(status.code() as i32));
            message.set_field_by_name("message", Value::String(status.message().to_owned()));
            self.to_json(&message).ok()
        });
        rendered.unwrap_or_else(|| {
            serde_json::to_vec(&serde_json::json!({
                "code": status.code() as i32, "message": status.message(), "details": []
            }))
            .unwrap_or_default()
        })
    }

    /// The `RetryInfo.retry_delay` of a status, in whole seconds (rounded up).
    pub fn retry_after(status: &Status) -> Option<u64> {
        let details = hms_proto::google::rpc::Status::decode(status.details()).ok()?;
        details.details.iter().find(|d| d.type_url.ends_with("/google.rpc.RetryInfo")).and_then(|any| {
            let info = hms_proto::google::rpc::RetryInfo::decode(any.value.as_slice()).ok()?;
            let delay = info.retry_delay?;
            Some(u64::try_from(delay.seconds).unwrap_or(0) + u64::from(delay.nanos > 0))
        })
    }
}

/// How responses are written as JSON (see the module documentation);
/// [`crate::wire_json`] writes the same.
pub(crate) fn json_options() -> SerializeOptions {
    SerializeOptions::new()
        .use_proto_field_name(true)
        .stringify_64_bit_integers(true)
        .use_enum_numbers(false)
        .skip_default_fields(false)
}

fn parse_body(body: &[u8]) -> Result<Option<Json>, Status> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| invalid_argument("body", &format!("malformed JSON: {e}")))
}

/// Sets `a.b.c = value` in the JSON object that becomes the request message,
/// converting the text to the field's JSON type.
fn set_path(
    message: &MessageDescriptor,
    root: &mut Map<String, Json>,
    path: &str,
    value: &str,
    append: bool,
    what: &str,
) -> Result<(), Status> {
    let mut desc = message.clone();
    let mut object = root;
    let names: Vec<&str> = path.split('.').collect();
    for (i, name) in names.iter().enumerate() {
        let field =
            find_field(&desc, name).ok_or_else(|| invalid_argument(path, &format!("unknown {what} `{path}`")))?;
        // One spelling per field: the proto name.
        if field.json_name() != field.name() {
            object.remove(field.json_name());
        }
        let last = i + 1 == names.len();
        if last {
            let converted = scalar_json(&field, value).ok_or_else(|| {
                invalid_argument(path, &format!("{what} `{path}` cannot be set from text (wrong type)"))
            })?;
            if field.is_list() {
                let entry = object.entry(field.name().to_owned()).or_insert_with(|| Json::Array(vec![]));
                match entry {
                    Json::Array(items) if append => items.push(converted),
                    other => *other = Json::Array(vec![converted]),
                }
            } else {
                object.insert(field.name().to_owned(), converted);
            }
            return Ok(());
        }
        let Kind::Message(next) = field.kind() else {
            return Err(invalid_argument(path, &format!("`{name}` in {what} `{path}` is not a message")));
        };
        if field.is_list() || field.is_map() {
            return Err(invalid_argument(path, &format!("{what} `{path}` goes through a repeated field")));
        }
        let entry = object.entry(field.name().to_owned()).or_insert_with(|| Json::Object(Map::new()));
        if !entry.is_object() {
            *entry = Json::Object(Map::new());
        }
        let Json::Object(inner) = entry else {
            return Err(invalid_argument(path, &format!("{what} `{path}` conflicts with a value already given")));
        };
        object = inner;
        desc = next;
    }
    Ok(())
}

fn find_field(desc: &MessageDescriptor, name: &str) -> Option<FieldDescriptor> {
    desc.get_field_by_name(name).or_else(|| desc.get_field_by_json_name(name))
}

/// The JSON form of a path or query value for a field of `field`'s kind.
fn scalar_json(field: &FieldDescriptor, value: &str) -> Option<Json> {
    Some(match field.kind() {
        Kind::Bool => Json::Bool(value.parse().ok()?),
        Kind::Message(m) => match m.full_name() {
            "google.protobuf.BoolValue" => Json::Bool(value.parse().ok()?),
            // Timestamps, durations, field masks and other wrappers take strings.
            n if n.starts_with("google.protobuf.") || n.starts_with("google.type.") => Json::String(value.to_owned()),
            _ => return None,
        },
        // Enums by name or number; numbers, strings and bytes as strings,
        // which proto3 JSON accepts. Checked here so that a refusal names
        // the parameter (the message decoder's error names no field).
        Kind::Enum(e) => match value.parse::<i32>() {
            Ok(n) => Json::from(n),
            Err(_) => {
                e.get_value_by_name(value)?;
                Json::String(value.to_owned())
            }
        },
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => parsed::<i32>(value)?,
        Kind::Uint32 | Kind::Fixed32 => parsed::<u32>(value)?,
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => parsed::<i64>(value)?,
        Kind::Uint64 | Kind::Fixed64 => parsed::<u64>(value)?,
        Kind::Float | Kind::Double => parsed::<f64>(value)?,
        Kind::String | Kind::Bytes => Json::String(value.to_owned()),
    })
}

/// `value` as a JSON string, if it reads as a `T`.
fn parsed<T: std::str::FromStr>(value: &str) -> Option<Json> {
    value.parse::<T>().ok().map(|_| Json::String(value.to_owned()))
}

#[cfg(test)]
#[path = "transcode_tests.rs"]
mod tests;
