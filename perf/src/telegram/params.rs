//! A Bot API request's parameters, gathered from wherever the client put them: the query
//! string, a JSON body, a form-urlencoded body or a multipart body, as the official Bot API
//! accepts all four. Values from query strings and forms arrive as strings (objects such
//! as `reply_markup` JSON-encoded inside them), so the typed getters accept both forms.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::Request;
use serde_json::{Map, Value};

use super::ApiError;

/// The largest request body accepted: the Bot API's upload limit for bots.
const MAX_BODY: usize = 50 * 1024 * 1024;

#[derive(Debug, Default, Clone)]
pub(crate) struct Params(pub(crate) Map<String, Value>);

impl Params {
    /// Reads the whole request into parameters; body values win over query values.
    pub(crate) async fn read(req: Request<Incoming>) -> Result<Params, ApiError> {
        let mut map = Map::new();
        for (k, v) in crate::http::query_pairs(&req) {
            map.insert(k, Value::String(v));
        }
        let content_type =
            req.headers().get(hyper::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = http_body_util::Limited::new(req.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|_| ApiError::new(413, "Request Entity Too Large"))?
            .to_bytes();
        if body.is_empty() {
            return Ok(Params(map));
        }
        let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match mime.as_str() {
            "application/json" => match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(obj)) => map.extend(obj),
                _ => return Err(ApiError::bad_request("can't parse JSON object")),
            },
            "application/x-www-form-urlencoded" => {
                map.extend(form_urlencoded::parse(&body).into_owned().map(|(k, v)| (k, Value::String(v))));
            }
            "multipart/form-data" => read_multipart(&content_type, body, &mut map).await?,
            // Telegram ignores a body it cannot read; so do we.
            _ => {}
        }
        Ok(Params(map))
    }

    pub(crate) fn into_value(self) -> Value {
        Value::Object(self.0)
    }

    /// An integer parameter given as a number or a numeric string.
    pub(crate) fn i64(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| bad_field(name)),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad_field(name)),
            Some(_) => Err(bad_field(name)),
        }
    }

    /// A string parameter (a number is accepted and written out, as Telegram does).
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A boolean parameter given as a JSON bool or as "true"/"false"/"1"/"0".
    pub(crate) fn bool(&self, name: &str) -> bool {
        match self.0.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.as_str(), "true" | "True" | "1"),
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }

    /// An object parameter given as JSON or as a JSON-encoded string.
    pub(crate) fn json(&self, name: &str) -> Result<Option<Value>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| ApiError::bad_request(format!("can't parse {name} JSON object"))),
            Some(v) => Ok(Some(v.clone())),
        }
    }
}

fn bad_field(name: &str) -> ApiError {
    ApiError::bad_request(format!("invalid {name} specified"))
}

async fn read_multipart(content_type: &str, body: Bytes, map: &mut Map<String, Value>) -> Result<(), ApiError> {
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| ApiError::bad_request("can't parse multipart boundary"))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let bad = |_| ApiError::bad_request("can't parse multipart body");
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        // An uploaded file is kept as a short description: the log of calls stays small,
        // and no method implemented here needs the uploaded bytes.
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let bytes = field.bytes().await.map_err(bad)?;
            map.insert(name, serde_json::json!({ "file_name": file_name, "size": bytes.len() }));
        } else {
            let text = field.text().await.map_err(bad)?;
            map.insert(name, Value::String(text));
        }
    }
    Ok(())
}
