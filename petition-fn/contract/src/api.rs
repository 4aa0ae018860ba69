//! The petition API's surface as both sides see it: one base path, the routes under it, and the
//! fields each form route accepts.
//!
//! The router registers [`route`] templates; pages and components link with the path builders;
//! `site-gen check` reads a form's `action` back with [`Form::of_action`]. The CDN sends
//! `/api/*` to the function (`infra/template.yaml`, kept equal by the infra tests).

/// Where the API is mounted on the site's origin.
pub const BASE: &str = "/api";

macro_rules! under_base {
    ($path:literal) => {
        concat!("/api", $path)
    };
}

/// The router's path templates (axum syntax), one per route.
pub mod route {
    /// `POST`: sign a petition.
    pub const SIGNATURES: &str = under_base!("/petitions/{id}/signatures");
    /// `GET`: a petition's count.
    pub const PETITION: &str = under_base!("/petitions/{id}");
    /// `GET`: a petition's count as an SVG image, for partners' pages.
    pub const BADGE: &str = under_base!("/petitions/{id}/badge.svg");
    /// `GET`: a petition's hourly count history as JSON (public open data).
    pub const HISTORY: &str = under_base!("/petitions/{id}/history");
    /// `GET`: the same history as CSV, one row per hour and country (and the total).
    pub const HISTORY_CSV: &str = under_base!("/petitions/{id}/history.csv");
    /// `POST`: a letter to the writer's senators.
    pub const LETTERS: &str = under_base!("/letters");
    /// `GET`: the function and its store are up.
    pub const HEALTH: &str = under_base!("/health");
    /// `GET`: the page with the button that confirms a signature (changes nothing); `POST`:
    /// confirms it.
    pub const CONFIRM: &str = under_base!("/confirm");
    /// `GET`: the page with the button that stops updates (changes nothing); `POST`: stops
    /// them (also RFC 8058 one-click, with the token in the query).
    pub const UNSUBSCRIBE: &str = under_base!("/unsubscribe");

    /// `GET`: a proof-of-work challenge for a client over its limit.
    pub const CHALLENGE: &str = under_base!("/challenge");
    /// `POST`: an outcome of the letter campaign (a letter sent, a call made) for a senator.
    pub const ACTIONS: &str = under_base!("/actions");
    /// `GET`: the OpenAPI 3.1 description of every route (`petition-fn/openapi.json`).
    pub const OPENAPI: &str = under_base!("/openapi.json");

    /// Every route: the 404 message lists them, and the OpenAPI document's paths are exactly
    /// these (`petition-fn/src/http/tests/openapi.rs`).
    pub const ALL: &[&str] = &[
        PETITION,
        BADGE,
        HISTORY,
        HISTORY_CSV,
        SIGNATURES,
        LETTERS,
        ACTIONS,
        CONFIRM,
        UNSUBSCRIBE,
        CHALLENGE,
        HEALTH,
        OPENAPI,
    ];
}

/// The URL path that signs petition `id`.
pub fn signatures_path(id: &str) -> String {
    format!("{BASE}/petitions/{id}/signatures")
}

/// The URL path of petition `id`'s count.
pub fn petition_path(id: &str) -> String {
    format!("{BASE}/petitions/{id}")
}

/// The URL path of petition `id`'s count history as JSON.
pub fn history_path(id: &str) -> String {
    format!("{}/history", petition_path(id))
}

/// The URL path of petition `id`'s count history as CSV.
pub fn history_csv_path(id: &str) -> String {
    format!("{}/history.csv", petition_path(id))
}

/// The URL path that takes letters.
pub const LETTERS_PATH: &str = route::LETTERS;

/// The URL path a confirmation mail links to and its button posts to.
pub const CONFIRM_PATH: &str = route::CONFIRM;

/// The URL path an updates mail's unsubscribe link and `List-Unsubscribe` header point to.
pub const UNSUBSCRIBE_PATH: &str = route::UNSUBSCRIBE;

/// The query parameter and form field that carry a confirmation or unsubscribe token.
pub const TOKEN_FIELD: &str = "token";

/// The honeypot field every form carries: people leave it empty, naive bots fill it in.
pub const HONEYPOT_FIELD: &str = "website";

/// The field every form sends with its page's language code: the function answers (pages,
/// messages, mails) in it.
pub const LANG_FIELD: &str = "lang";

/// The field that carries a solved proof-of-work challenge (ALTCHA payload: base64 of the JSON
/// `{algorithm, challenge, number, salt, signature}`), sent by a client over its limit.
pub const ALTCHA_FIELD: &str = "altcha";

/// The URL path of the proof-of-work challenge.
pub const CHALLENGE_PATH: &str = route::CHALLENGE;

/// The URL path that takes outcomes ("I sent it", "I called").
pub const ACTIONS_PATH: &str = route::ACTIONS;

/// The list of people who asked, from the letter form, for the campaign's updates by email:
/// kept like a confirming petition's signatures under this id (no page shows it), so the same
/// double opt-in, unsubscribe link and `petition-fn mail --petition campaign-updates` serve it.
pub const UPDATES_LIST: &str = "campaign-updates";

/// The query parameter of a confirmation link that says what it confirms: `updates` for the
/// campaign's updates list (the page's wording only; the token decides what is confirmed).
pub const CONFIRM_FOR: &str = "for";

/// The kinds of outcome `POST /api/actions` counts, as its field `kind` names them.
pub const ACTION_KINDS: &[&str] = &["letter_sent", "called"];

/// A form the API accepts, with its fields: the one list the router reads, the generator's
/// `check` verifies forms against, and the theme's forms send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `POST /api/petitions/{id}/signatures`.
    Signature,
    /// `POST /api/letters`.
    Letter,
    /// `POST /api/actions`.
    Action,
    /// `POST /api/confirm`.
    Confirm,
    /// `POST /api/unsubscribe`.
    Unsubscribe,
}

impl Form {
    /// The fields the route reads; any other field is ignored.
    pub const fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Signature => &[
                "name",
                "email",
                "country",
                "consent",
                "updates",
                LANG_FIELD,
                HONEYPOT_FIELD,
                ALTCHA_FIELD,
            ],
            Self::Letter => &[
                "name",
                "email",
                "street",
                "city",
                "state",
                "zip",
                "message",
                "consent",
                "updates",
                LANG_FIELD,
                HONEYPOT_FIELD,
                ALTCHA_FIELD,
            ],
            Self::Action => &[
                "kind",
                "state",
                "senator",
                LANG_FIELD,
                HONEYPOT_FIELD,
                ALTCHA_FIELD,
            ],
            Self::Confirm | Self::Unsubscribe => &[TOKEN_FIELD, LANG_FIELD],
        }
    }

    /// The form a POST to `action` (a URL path) is, with the petition id it names, if any;
    /// `None` when no route takes a form there.
    pub fn of_action(action: &str) -> Option<(Self, Option<&str>)> {
        let rest = action.strip_prefix(BASE)?;
        match rest {
            "/letters" => return Some((Self::Letter, None)),
            "/actions" => return Some((Self::Action, None)),
            "/confirm" => return Some((Self::Confirm, None)),
            "/unsubscribe" => return Some((Self::Unsubscribe, None)),
            _ => {}
        }
        let id = rest
            .strip_prefix("/petitions/")?
            .strip_suffix("/signatures")?;
        (!id.is_empty() && !id.contains('/')).then_some((Self::Signature, Some(id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_routes_agree() {
        assert_eq!(signatures_path("p"), route::SIGNATURES.replace("{id}", "p"));
        assert_eq!(petition_path("p"), route::PETITION.replace("{id}", "p"));
        assert!(route::ALL.iter().all(|r| r.starts_with(BASE)));
    }

    #[test]
    fn actions_are_read_back() {
        assert_eq!(
            Form::of_action(&signatures_path("un")),
            Some((Form::Signature, Some("un")))
        );
        assert_eq!(Form::of_action(LETTERS_PATH), Some((Form::Letter, None)));
        assert_eq!(Form::of_action(CONFIRM_PATH), Some((Form::Confirm, None)));
        assert_eq!(Form::of_action("/api/petitions//signatures"), None);
        assert_eq!(Form::of_action("/api/petitions/a/b/signatures"), None);
        assert_eq!(Form::of_action("/elsewhere/letters"), None);
        assert!(Form::Signature.fields().contains(&HONEYPOT_FIELD));
        assert!(Form::Letter.fields().contains(&HONEYPOT_FIELD));
    }
}
