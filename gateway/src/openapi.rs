//! OpenAPI 3.1 document generated at start-up from the descriptor set.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use hms_kit::auth::Policies;
use serde_json::{Value, json};

use crate::Shared;
use crate::transcode::Transcoder;

pub fn document(_transcoder: &Transcoder, _policies: &Policies) -> Value {
    json!({"openapi": "3.1.0"})
}

pub async fn serve_document(State(shared): State<Arc<Shared>>) -> Response {
    ([(http::header::CONTENT_TYPE, "application/json")], shared.openapi.clone()).into_response()
}

pub async fn serve_docs() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
