//! What the Lambda function is invoked with (feature `lambda`): API Gateway HTTP API requests,
//! answered by the router as `lambda_http::run` would, and SNS deliveries of Amazon SES's
//! bounce and complaint notifications, which stop updates to those addresses
//! ([`Store::unsubscribe`](crate::store::Store::unsubscribe)): a mailbox that bounces for good
//! or complains gets nothing more.

use axum::Router;
use lambda_http::request::LambdaRequest;
use lambda_http::{Context, LambdaEvent, Service as _};
use serde_json::{Value, json};

use crate::AppState;
use crate::forget::address_hash;

/// Handles one invocation. An error makes Lambda (and SNS) try the event again.
pub async fn handle(
    router: &Router,
    state: &AppState,
    payload: Value,
    context: Context,
) -> Result<Value, lambda_http::Error> {
    if let Some(records) = sns_records(&payload) {
        let addresses: Vec<String> = records.iter().flat_map(feedback_addresses).collect();
        let mut stopped = 0;
        for address in &addresses {
            // An address we could not have stored (malformed) has nothing to stop.
            let Ok(hash) = address_hash(state.keys(), address) else {
                continue;
            };
            stopped += state
                .store()
                .unsubscribe(&hash, &state.bundle().mail_lists())
                .await?;
        }
        println!(
            "{}",
            json!({"event": "mail_feedback", "addresses": addresses.len(), "signatures_unsubscribed": stopped})
        );
        return Ok(Value::Null);
    }
    let request: LambdaRequest = serde_json::from_value(payload)?;
    let mut adapter = lambda_http::Adapter::from(router.clone());
    let response = adapter.call(LambdaEvent::new(request, context)).await?;
    Ok(serde_json::to_value(response)?)
}

/// The SNS messages of an SNS event, when it is one.
fn sns_records(payload: &Value) -> Option<Vec<Value>> {
    let records = payload.get("Records")?.as_array()?;
    let messages: Vec<Value> = records
        .iter()
        .filter(|r| r.get("EventSource").and_then(Value::as_str) == Some("aws:sns"))
        .filter_map(|r| r.pointer("/Sns/Message").and_then(Value::as_str))
        .filter_map(|m| serde_json::from_str(m).ok())
        .collect();
    (!records.is_empty() && messages.len() == records.len()).then_some(messages)
}

/// The recipients a SES notification says should get no more mail: those of a permanent
/// bounce or of a complaint. (`eventType` from a configuration set's event destination,
/// `notificationType` from an identity's notifications.)
fn feedback_addresses(message: &Value) -> Vec<String> {
    let kind = message
        .get("eventType")
        .or_else(|| message.get("notificationType"))
        .and_then(Value::as_str);
    let list = match kind {
        Some("Bounce")
            if message
                .pointer("/bounce/bounceType")
                .and_then(Value::as_str)
                == Some("Permanent") =>
        {
            message.pointer("/bounce/bouncedRecipients")
        }
        Some("Complaint") => message.pointer("/complaint/complainedRecipients"),
        _ => None,
    };
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("emailAddress").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sns(messages: &[Value]) -> Value {
        json!({"Records": messages.iter().map(|m| json!({
            "EventSource": "aws:sns",
            "Sns": {"Message": m.to_string()}
        })).collect::<Vec<_>>()})
    }

    #[test]
    fn permanent_bounces_and_complaints_stop_mail_and_nothing_else_does() {
        let bounce = json!({"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "gone@example.org"}]}});
        let soft = json!({"eventType": "Bounce", "bounce": {"bounceType": "Transient",
            "bouncedRecipients": [{"emailAddress": "full@example.org"}]}});
        let complaint = json!({"notificationType": "Complaint", "complaint":
            {"complainedRecipients": [{"emailAddress": "angry@example.org"}]}});
        let delivery = json!({"eventType": "Delivery"});
        let event = sns(&[bounce, soft, complaint, delivery]);
        let records = sns_records(&event).expect("an SNS event");
        let addresses: Vec<String> = records.iter().flat_map(feedback_addresses).collect();
        assert_eq!(addresses, ["gone@example.org", "angry@example.org"]);
    }

    #[test]
    fn an_http_event_is_not_taken_for_sns() {
        assert!(sns_records(&json!({"version": "2.0", "rawPath": "/api/health"})).is_none());
        assert!(sns_records(&json!({"Records": []})).is_none());
        assert!(sns_records(&json!({"Records": [{"EventSource": "aws:sqs"}]})).is_none());
    }
}
