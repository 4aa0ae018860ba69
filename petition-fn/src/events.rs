//! What the Lambda function is invoked with (feature `lambda`): API Gateway HTTP API requests,
//! answered by the router as `lambda_http::run` would; SNS deliveries of Amazon SES's
//! bounce and complaint notifications, which stop updates to those addresses
//! ([`Store::unsubscribe`](crate::store::Store::unsubscribe)): a mailbox that bounces for good
//! or complains gets nothing more; and the hourly EventBridge scheduled event, which takes the
//! count history's snapshots ([`crate::history::take`]).

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
    if is_scheduled(&payload) {
        let petitions = state.bundle().petition_ids();
        let taken = crate::history::take(state.store().as_ref(), &petitions, state.now()).await?;
        println!("{}", json!({"event": "snapshot", "petitions": taken}));
        return Ok(Value::Null);
    }
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

/// Whether the payload is an EventBridge scheduled event (the hourly snapshot's schedule).
fn is_scheduled(payload: &Value) -> bool {
    payload.get("source").and_then(Value::as_str) == Some("aws.events")
        && payload.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
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

    /// An EventBridge scheduled event as Lambda receives it (the AWS documentation's example).
    fn scheduled_event() -> Value {
        json!({
            "version": "0",
            "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2026-12-02T09:00:00Z",
            "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/HourlySnapshotRule"],
            "detail": {}
        })
    }

    #[test]
    fn the_schedule_is_told_from_http_and_sns() {
        assert!(is_scheduled(&scheduled_event()));
        assert!(sns_records(&scheduled_event()).is_none());
        assert!(!is_scheduled(
            &json!({"version": "2.0", "rawPath": "/api/health"})
        ));
        assert!(!is_scheduled(&sns(&[json!({"eventType": "Delivery"})])));
        let mut other = scheduled_event();
        other["source"] = json!("aws.s3");
        assert!(!is_scheduled(&other));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_scheduled_event_takes_a_snapshot_of_each_petition() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bundle = crate::http::tests::test_bundle();
        let ids = bundle.petition_ids();
        let state = crate::local_state(dir.path(), bundle).await.expect("state");
        let store = state.store();
        store
            .sign(crate::store::conformance::record(&ids[0], "h1", "FR"))
            .await
            .expect("signs");
        let router = crate::standalone_app(state.clone());
        let answer = handle(&router, &state, scheduled_event(), Context::default())
            .await
            .expect("the scheduled run");
        assert_eq!(answer, Value::Null);
        let now = contract::date::unix_seconds(state.now());
        for id in &ids {
            let history = store.history(id, 0, now).await.expect("reads");
            assert_eq!(history.len(), 1, "{id}: one snapshot");
            let expected = u64::from(*id == ids[0]);
            assert_eq!(history[0].counts.total, expected, "{id}");
            assert_eq!(history[0].hour, crate::history::hour_of(now));
        }
    }

    #[test]
    fn an_http_event_is_not_taken_for_sns() {
        assert!(sns_records(&json!({"version": "2.0", "rawPath": "/api/health"})).is_none());
        assert!(sns_records(&json!({"Records": []})).is_none());
        assert!(sns_records(&json!({"Records": [{"EventSource": "aws:sqs"}]})).is_none());
    }
}
