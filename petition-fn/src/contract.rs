//! The fields each form route accepts: the one list the router, the generator's `check` and
//! the theme's forms agree on.

/// Fields of `POST /api/petitions/{id}/signatures`.
pub const SIGNATURE_FIELDS: &[&str] =
    &["name", "email", "country", "consent", "updates", "website"];

/// Fields of `POST /api/letters`.
pub const LETTER_FIELDS: &[&str] = &[
    "name", "email", "street", "city", "state", "zip", "message", "consent", "website",
];

/// The honeypot field: people leave it empty, naive bots fill it in.
pub const HONEYPOT_FIELD: &str = "website";
