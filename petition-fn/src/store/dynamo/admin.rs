//! Table setup (`petition-fn init-table`): the table of `petition-fn/table.json`, created if
//! missing, waited for until ACTIVE, with its TTL enabled.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification, TimeToLiveStatus,
};
use serde::Deserialize;

use super::error::{build_error, sdk_error};
use crate::store::{Detail, StoreError};

/// The table schema, shared with the infra template.
pub const TABLE_SCHEMA: &str = include_str!("../../../table.json");

/// How often, and how many times, to check whether a new table is ACTIVE (60 seconds).
const ACTIVE_POLL: Duration = Duration::from_millis(200);
const ACTIVE_POLLS: u32 = 300;

/// The part of `table.json` the setup reads (the CloudFormation / `CreateTable` field names).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TableSpec {
    pub(super) attribute_definitions: Vec<AttributeSpec>,
    pub(super) key_schema: Vec<KeySpec>,
    pub(super) billing_mode: String,
    pub(super) time_to_live_specification: Option<TtlSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct AttributeSpec {
    attribute_name: String,
    attribute_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct KeySpec {
    attribute_name: String,
    key_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TtlSpec {
    pub(super) attribute_name: String,
    pub(super) enabled: bool,
}

/// The schema of `table.json`.
pub(super) fn table_spec() -> Result<TableSpec, StoreError> {
    serde_json::from_str(TABLE_SCHEMA)
        .map_err(|e| StoreError::Other(Detail::caused_by("table.json is not valid", e)))
}

/// Creates `table` with the schema of `table.json` if it does not exist, waits until it is
/// ACTIVE, and enables its TTL. Idempotent: an existing table or TTL is fine.
pub async fn init_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let spec = table_spec()?;
    let mut create = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::from(spec.billing_mode.as_str()));
    for a in &spec.attribute_definitions {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(build_error)?,
        );
    }
    for k in &spec.key_schema {
        create = create.key_schema(
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(build_error)?,
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(e) if e.code() == Some("ResourceInUseException") => {}
        Err(e) => return Err(sdk_error("CreateTable", e)),
    }
    wait_until_active(client, table).await?;
    if let Some(ttl) = spec.time_to_live_specification.filter(|t| t.enabled) {
        enable_ttl(client, table, &ttl.attribute_name).await?;
    }
    Ok(())
}

async fn wait_until_active(client: &Client, table: &str) -> Result<(), StoreError> {
    for _ in 0..ACTIVE_POLLS {
        let out = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeTable", e))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(ACTIVE_POLL).await;
    }
    Err(StoreError::Unavailable(Detail::new(format!(
        "table {table} did not become ACTIVE within 60 seconds"
    ))))
}

async fn enable_ttl(client: &Client, table: &str, attribute: &str) -> Result<(), StoreError> {
    let current = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| sdk_error("DescribeTimeToLive", e))?;
    if let Some(d) = current.time_to_live_description()
        && matches!(
            d.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        )
        && d.attribute_name() == Some(attribute)
    {
        return Ok(());
    }
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(true)
        .build()
        .map_err(build_error)?;
    match client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        // Enabling a TTL that is already on is a ValidationException, not a no-op.
        Err(e)
            if e.message()
                .is_some_and(|m| m.to_ascii_lowercase().contains("already enabled")) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_error("UpdateTimeToLive", e)),
    }
}
