//! Reading a form post or a JSON object into the text of the fields a route accepts.

use std::collections::BTreeMap;

use serde_json::Value;

use super::reply::Style;
use crate::domain::FieldError;

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// Not JSON, or not an object.
    Syntax(String),
    /// A field of the wrong type.
    Fields(Vec<FieldError>),
}

/// The accepted `fields` present in the body, as text. Other fields are ignored.
///
/// A urlencoded form cannot fail: bad escapes and bytes are kept as replacement characters
/// (validation refuses them), and a repeated field keeps its last value. A JSON object's
/// strings are taken as they are, booleans and numbers as their text (`"consent": true`),
/// `null` as absent; arrays and objects are field errors.
pub(crate) fn read_fields(
    style: Style,
    body: &[u8],
    fields: &'static [&'static str],
) -> Result<BTreeMap<&'static str, String>, BodyError> {
    let mut out = BTreeMap::new();
    match style {
        Style::Form => {
            for (key, value) in form_urlencoded::parse(body) {
                if let Some(field) = fields.iter().find(|f| **f == key) {
                    out.insert(*field, value.into_owned());
                }
            }
        }
        Style::Json => {
            let value: Value =
                serde_json::from_slice(body).map_err(|e| BodyError::Syntax(e.to_string()))?;
            let Value::Object(map) = value else {
                return Err(BodyError::Syntax("the body must be a JSON object".into()));
            };
            let mut errors = Vec::new();
            for &field in fields {
                match map.get(field) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(s)) => {
                        out.insert(field, s.clone());
                    }
                    Some(Value::Bool(b)) => {
                        out.insert(field, b.to_string());
                    }
                    Some(Value::Number(n)) => {
                        out.insert(field, n.to_string());
                    }
                    Some(_) => errors.push(FieldError {
                        field,
                        message: format!(
                            "Send {field} as text (or true/false), not as a list or an object."
                        ),
                    }),
                }
            }
            if !errors.is_empty() {
                return Err(BodyError::Fields(errors));
            }
        }
    }
    Ok(out)
}
