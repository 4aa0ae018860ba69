//! SDK errors as [`StoreError`]s, transient or not, each keeping the SDK's error as its
//! source. The words say what failed and, where it helps, how to fix it; they never hold
//! personal data (requests carry only keyed hashes and encrypted values).

use std::error::Error as StdError;
use std::fmt::Debug;

use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};

use crate::store::{Detail, StoreError};

/// Maps an SDK error of the operation `op`: unreachable, timed out or failing on the service's
/// side → Unavailable; throttled → Throttled; anything else → Other.
pub(super) fn sdk_error<E, R>(op: &str, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    type Kind = fn(Detail) -> StoreError;
    let (kind, what): (Kind, String) = match &err {
        SdkError::TimeoutError(_) => (StoreError::Unavailable, format!("{op} timed out")),
        SdkError::DispatchFailure(_) => (
            StoreError::Unavailable,
            format!("{op} could not reach DynamoDB"),
        ),
        SdkError::ResponseError(_) => (
            StoreError::Unavailable,
            format!("{op} got a response that could not be read"),
        ),
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("an unnamed error");
            match code {
                "ThrottlingException"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded" => (
                    StoreError::Throttled,
                    format!("{op} was throttled ({code})"),
                ),
                "InternalServerError" | "ServiceUnavailable" | "InternalFailure" => (
                    StoreError::Unavailable,
                    format!("{op} failed on DynamoDB's side ({code})"),
                ),
                "ResourceNotFoundException" => (
                    StoreError::Other,
                    format!(
                        "{op} failed: {code} (does the table exist? create it with `petition-fn init-table`)"
                    ),
                ),
                _ => (StoreError::Other, format!("{op} failed: {code}")),
            }
        }
        _ => (StoreError::Other, format!("{op} could not be sent")),
    };
    kind(Detail::caused_by(what, err))
}

/// A request the SDK refused to build (a bug: a required field is missing).
pub(super) fn build_error(err: BuildError) -> StoreError {
    StoreError::Other(Detail::caused_by(
        "a DynamoDB request could not be built",
        err,
    ))
}
