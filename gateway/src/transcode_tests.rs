//! Unit tests of [`super`]: routing, templates, request encoding.

use super::*;

fn transcoder() -> Transcoder {
    Transcoder::new(hms_proto::FILE_DESCRIPTOR_SET, |_| true).unwrap()
}

/// Bytes the direct writer does not take (the user twice, which a
/// decoder merges) are still rendered, through prost-reflect.
#[test]
fn responses_the_direct_writer_refuses_are_rendered_the_slow_way() {
    use hms_proto::hms::user::v1::{GetMeResponse, User};
    let t = transcoder();
    let m = t.route(&Method::GET, "/api/v1/users/me").ok().unwrap();
    let first = GetMeResponse { user: Some(User { id: "u1".into(), username: "mai".into(), ..Default::default() }) };
    let second = GetMeResponse { user: Some(User { email: "mai@example.com".into(), ..Default::default() }) };
    let bytes = [first.encode_to_vec(), second.encode_to_vec()].concat();
    assert!(t.plans.render(&m.route.method.output(), &bytes).is_none());
    let json: Json = serde_json::from_slice(&t.render_response(m.route, &bytes).unwrap()).unwrap();
    assert_eq!(
        (&json["user"]["id"], &json["user"]["username"], &json["user"]["email"]),
        (&Json::from("u1"), &Json::from("mai"), &Json::from("mai@example.com"))
    );
}

#[test]
fn templates_match_with_and_without_trailing_slash() {
    let t = transcoder();
    let m = t.route(&Method::POST, "/api/v1/users/login/").ok().unwrap();
    assert_eq!(m.route.grpc_path, "/hms.user.v1.UserService/Login");
    let m = t.route(&Method::GET, "/api/v1/users/me").ok().unwrap();
    assert_eq!(m.route.grpc_path, "/hms.user.v1.UserService/GetMe");
    let m = t.route(&Method::GET, "/api/v1/admin/users/abc%20d/").ok().unwrap();
    assert_eq!(m.route.grpc_path, "/hms.user.v1.UserService/GetUser");
    assert_eq!(m.variables, vec![("user_id".to_owned(), "abc d".to_owned())]);
    assert!(matches!(t.route(&Method::DELETE, "/api/v1/users/me"), Err(NoRoute::OtherMethod)));
    assert!(matches!(t.route(&Method::GET, "/api/v1/nothing"), Err(NoRoute::UnknownPath)));
}

#[test]
fn variables_with_sub_templates() {
    let (segments, verb) = parse_template("/v1/{name=shelves/*/books/**}:read").unwrap();
    assert_eq!(verb.as_deref(), Some("read"));
    assert_eq!(segments.len(), 2);
}

#[test]
fn verbs_and_multi_segment_variables_match() {
    let t = transcoder();
    let mut route = t.routes()[0].clone();
    (route.segments, route.verb) = parse_template("/v1/{name=shelves/*/books/**}:read").unwrap();
    let matched = |route: &Route, path: &str| route.matches(&SplitPath::new(path).unwrap());
    assert_eq!(
        matched(&route, "/v1/shelves/s1/books/b%2F1/p2:read"),
        Some(vec![("name".to_owned(), "shelves/s1/books/b/1/p2".to_owned())])
    );
    assert_eq!(matched(&route, "/v1/shelves/s1/books/b1:write"), None);
    assert_eq!(matched(&route, "/v1/shelves/s1/books/b1"), None);
    assert_eq!(matched(&route, "/v1/shelves/s1/cds/b1:read"), None);
    (route.segments, route.verb) = parse_template("/v1/{id}").unwrap();
    assert_eq!(matched(&route, "/v1/a:b/"), Some(vec![("id".to_owned(), "a:b".to_owned())]));
}

#[test]
fn query_parameters_nest_and_repeat() {
    let t = transcoder();
    let m = t.route(&Method::GET, "/api/v1/admin/users").ok().unwrap();
    let bytes = t.encode_request(&m, Some("page.page_size=2&role=ROLE_PATIENT&query=x"), b"", None).unwrap();
    let msg = DynamicMessage::decode(m.route.method.input(), bytes.as_ref()).unwrap();
    let json = serde_json::to_value(&msg).unwrap();
    assert_eq!(json["page"]["pageSize"], 2, "{json}");
    assert_eq!(json["role"], "ROLE_PATIENT");
    let err = t.encode_request(&m, Some("nope=1"), b"", None).unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    let err = t.encode_request(&m, Some("page.page_size=abc"), b"", None).unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
}

#[test]
fn bodies_accept_both_spellings_and_refuse_unknown_fields() {
    let t = transcoder();
    let m = t.route(&Method::POST, "/api/v1/users/register").ok().unwrap();
    t.encode_request(&m, None, br#"{"username":"a","firstName":"A","last_name":"B"}"#, None).unwrap();
    for bad in [&b"{"[..], br#"{"nope":1}"#, br#"{"username":5}"#, b"[1]"] {
        let err = t.encode_request(&m, None, bad, None).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument, "{}", String::from_utf8_lossy(bad));
    }
}
