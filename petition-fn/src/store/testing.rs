//! Test support, not used by the function: DynamoDB Local for the unit tests, the integration
//! tests in `petition-fn/tests`, the benchmarks and the end-to-end tests crate.
//!
//! The rule everywhere: DynamoDB tests run against DynamoDB Local at `DYNAMODB_ENDPOINT`
//! (e.g. `http://127.0.0.1:8000`). Without it they print that they were skipped and pass,
//! unless `REQUIRE_DYNAMODB=1`, when they fail: the test run of record must not skip them
//! silently. Each test works on its own uniquely named table.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Environment variable holding DynamoDB Local's URL.
pub const ENDPOINT_ENV: &str = "DYNAMODB_ENDPOINT";
/// Environment variable that, at `1`, turns a skipped DynamoDB test into a failure.
pub const REQUIRE_ENV: &str = "REQUIRE_DYNAMODB";

/// Whether the run requires the DynamoDB tests (`REQUIRE_DYNAMODB=1`).
pub fn dynamodb_required() -> bool {
    std::env::var(REQUIRE_ENV).as_deref() == Ok("1")
}

/// DynamoDB Local's URL from `DYNAMODB_ENDPOINT`, when set. Says nothing when it is not: for
/// callers with a skip rule of their own; others use [`endpoint_or_skip`].
pub fn endpoint() -> Option<String> {
    std::env::var(ENDPOINT_ENV)
        .ok()
        .filter(|ep| !ep.trim().is_empty())
}

/// Skips `test` because of `why`: prints `SKIPPED`, or panics when `REQUIRE_DYNAMODB=1`.
pub fn skip(test: &str, why: &str) {
    assert!(
        !dynamodb_required(),
        "{test}: {why}. {REQUIRE_ENV}=1 is set, so this is a failure, not a skip: start DynamoDB Local and set {ENDPOINT_ENV} to its URL (scripts/test does both)"
    );
    eprintln!("SKIPPED {test}: {why}");
}

/// DynamoDB Local's URL, or `None` once `test` is skipped (see [`skip`]).
pub fn endpoint_or_skip(test: &str) -> Option<String> {
    let endpoint = endpoint();
    if endpoint.is_none() {
        skip(
            test,
            &format!("{ENDPOINT_ENV} is not set (set it to DynamoDB Local's URL)"),
        );
    }
    endpoint
}

/// A table name no other test uses: `<prefix>-<process id>-<nanoseconds>-<sequence>`.
pub fn unique_table_name(prefix: &str) -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos}-{seq}", std::process::id())
}

#[cfg(feature = "dynamodb")]
pub use with_dynamodb::{OperationLog, fresh_store, local_client, recording_store, store_or_skip};

#[cfg(feature = "dynamodb")]
mod with_dynamodb {
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};

    use aws_sdk_dynamodb::Client;
    use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
    use aws_sdk_dynamodb::config::{
        BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
    };

    use super::{endpoint_or_skip, unique_table_name};
    use crate::store::dynamo::{DynamoStore, init_table};

    /// The IAM actions a client's requests needed, as an [`Intercept`] records them: the
    /// operation of each request (`X-Amz-Target`), and for `TransactWriteItems` the action of
    /// each item in it (`PutItem`, `UpdateItem`, `DeleteItem`, `ConditionCheckItem`), which is
    /// what IAM checks.
    #[derive(Debug, Clone, Default)]
    pub struct OperationLog {
        actions: Arc<Mutex<BTreeSet<String>>>,
    }

    impl OperationLog {
        /// The actions recorded so far, as `dynamodb:<Action>`.
        pub fn actions(&self) -> BTreeSet<String> {
            self.actions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        }
    }

    impl Intercept for OperationLog {
        fn name(&self) -> &'static str {
            "OperationLog"
        }

        fn read_before_transmit(
            &self,
            context: &BeforeTransmitInterceptorContextRef<'_>,
            _: &RuntimeComponents,
            _: &mut ConfigBag,
        ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
            let request = context.request();
            let Some(operation) = request
                .headers()
                .get("x-amz-target")
                .and_then(|t| t.rsplit('.').next())
            else {
                return Ok(());
            };
            let mut found = Vec::new();
            if operation == "TransactWriteItems" {
                let body: serde_json::Value = request
                    .body()
                    .bytes()
                    .and_then(|b| serde_json::from_slice(b).ok())
                    .unwrap_or_default();
                for item in body["TransactItems"].as_array().into_iter().flatten() {
                    for (kind, action) in [
                        ("Put", "PutItem"),
                        ("Update", "UpdateItem"),
                        ("Delete", "DeleteItem"),
                        ("ConditionCheck", "ConditionCheckItem"),
                    ] {
                        if item.get(kind).is_some() {
                            found.push(action.to_owned());
                        }
                    }
                }
            } else {
                found.push(operation.to_owned());
            }
            let mut actions = self
                .actions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            actions.extend(found.into_iter().map(|a| format!("dynamodb:{a}")));
            Ok(())
        }
    }

    /// A store on a new table for `test` whose client records the IAM actions of every request
    /// in the returned log (the table's creation is not recorded), or `None` once `test` is
    /// skipped.
    ///
    /// # Panics
    ///
    /// As [`store_or_skip`].
    pub async fn recording_store(test: &str) -> Option<(DynamoStore, OperationLog)> {
        let endpoint = endpoint_or_skip(test)?;
        let setup = fresh_store(&endpoint, &format!("petitions-iam-{test}")).await;
        let log = OperationLog::default();
        let client = Client::from_conf(
            setup
                .client()
                .config()
                .to_builder()
                .interceptor(log.clone())
                .build(),
        );
        Some((DynamoStore::new(client, setup.table().to_owned()), log))
    }

    /// A client for DynamoDB Local at `endpoint`, with dummy credentials.
    pub fn local_client(endpoint: &str) -> Client {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new(
                "test",
                "test",
                None,
                None,
                "dynamodb-local",
            ))
            .build();
        Client::from_conf(config)
    }

    /// A store on a new table named after `prefix` (see [`unique_table_name`]) on DynamoDB
    /// Local at `endpoint`, created with [`init_table`].
    ///
    /// # Panics
    ///
    /// When the table cannot be created: the test cannot run.
    pub async fn fresh_store(endpoint: &str, prefix: &str) -> DynamoStore {
        let client = local_client(endpoint);
        let table = unique_table_name(prefix);
        if let Err(e) = init_table(&client, &table).await {
            panic!("cannot create the table {table} on DynamoDB Local at {endpoint}: {e:?}");
        }
        DynamoStore::new(client, table)
    }

    /// A store on a new table for `test`, or `None` once `test` is skipped (see
    /// [`super::skip`]).
    ///
    /// # Panics
    ///
    /// When `REQUIRE_DYNAMODB=1` and DynamoDB Local is not configured, or the table cannot be
    /// created.
    pub async fn store_or_skip(test: &str) -> Option<DynamoStore> {
        let endpoint = endpoint_or_skip(test)?;
        Some(fresh_store(&endpoint, &format!("petitions-test-{test}")).await)
    }
}
