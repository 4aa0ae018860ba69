//! The domain: what a valid signature, letter and reported outcome are, how an address is
//! recognised.
//!
//! Everything here is pure (no I/O), so it is tested without a store or a server.

pub(crate) mod action;
pub(crate) mod email;
pub(crate) mod letter;
pub(crate) mod problem;
pub(crate) mod text;
pub(crate) mod validate;

pub use action::{ActionVerdict, Outcome, RawAction};
pub use email::{CheckedEmail, EmailError, check_email, normalise_email};
pub use letter::{Letter, LetterPrivate, LetterVerdict, RawLetter};
pub use problem::FieldError;
pub(crate) use problem::{Code, Param};
pub use validate::{RawSubmission, Signature, Verdict};
