//! An outcome of the letter campaign: a visitor reports that they sent their letter to, or
//! called, one of their state's senators. Nothing personal: the kind, the state and the
//! senator, checked against the site's data.

use contract::api::ACTION_KINDS;
use contract::bundle::SiteBundle;

use super::problem::{Code, FieldError, Param};

/// The fields as they arrived (any may be missing).
#[derive(Debug, Clone, Default)]
pub struct RawAction {
    /// `letter_sent` or `called`.
    pub kind: Option<String>,
    /// The USPS code of the state.
    pub state: Option<String>,
    /// The senator's bioguide id.
    pub senator: Option<String>,
    /// The honeypot.
    pub website: Option<String>,
}

/// A checked outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// One of [`ACTION_KINDS`].
    pub kind: &'static str,
    /// The USPS code of the senator's state.
    pub state: String,
    /// The senator's bioguide id.
    pub senator: String,
    /// The senator's name, for the answer.
    pub senator_name: String,
}

/// What checking an outcome found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionVerdict {
    /// Count it.
    Valid(Outcome),
    /// The honeypot was filled in: answer as if counted, count nothing.
    Bot,
    /// Fields to fix.
    Invalid(Vec<FieldError>),
}

impl RawAction {
    /// Checks the fields against the site's senators.
    pub fn validate(&self, bundle: &SiteBundle) -> ActionVerdict {
        if self
            .website
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
        {
            return ActionVerdict::Bot;
        }
        let mut errors = Vec::new();
        let kind = self.kind.as_deref().map(str::trim).unwrap_or_default();
        let kind = ACTION_KINDS.iter().copied().find(|k| *k == kind);
        if kind.is_none() {
            errors.push(
                FieldError::new("kind", Code::KindUnknown)
                    .with("kinds", Param::Text(ACTION_KINDS.join(", "))),
            );
        }
        let state = self
            .state
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_ascii_uppercase();
        let senators = bundle.senators_of(&state);
        if senators.is_empty() {
            errors.push(FieldError::new("state", Code::ActionStateUnknown));
        }
        let wanted = self.senator.as_deref().unwrap_or_default().trim();
        let senator = senators
            .iter()
            .find(|s| s.bioguide.eq_ignore_ascii_case(wanted));
        if senator.is_none() && !senators.is_empty() {
            let ids = senators
                .iter()
                .map(|s| format!("{} ({})", s.bioguide, s.name))
                .collect();
            errors.push(
                FieldError::new("senator", Code::SenatorUnknown)
                    .with("state", Param::Text(state.clone()))
                    .with("senators", Param::OneOf(ids)),
            );
        }
        match (kind, senator) {
            (Some(kind), Some(s)) if errors.is_empty() => ActionVerdict::Valid(Outcome {
                kind,
                state,
                senator: s.bioguide.clone(),
                senator_name: s.name.clone(),
            }),
            _ => ActionVerdict::Invalid(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use contract::bundle::Senator;

    use super::*;

    fn bundle() -> SiteBundle {
        let senator = |state: &str, id: &str, name: &str| Senator {
            state: state.into(),
            name: name.into(),
            bioguide: id.into(),
            ..Senator::default()
        };
        SiteBundle {
            senators: vec![
                senator("CA", "A000001", "Ann Able"),
                senator("NY", "B000002", "Ben Baker"),
            ],
            ..SiteBundle::default()
        }
    }

    fn raw(kind: &str, state: &str, senator: &str) -> RawAction {
        RawAction {
            kind: Some(kind.into()),
            state: Some(state.into()),
            senator: Some(senator.into()),
            website: None,
        }
    }

    #[test]
    fn an_outcome_names_a_senator_of_its_state() {
        let ActionVerdict::Valid(o) = raw("called", "ca", "a000001").validate(&bundle()) else {
            panic!("valid");
        };
        assert_eq!(
            (o.kind, o.state.as_str(), o.senator.as_str()),
            ("called", "CA", "A000001")
        );
        assert_eq!(o.senator_name, "Ann Able");
        let ActionVerdict::Invalid(errors) = raw("called", "CA", "B000002").validate(&bundle())
        else {
            panic!("another state's senator");
        };
        assert_eq!(errors[0].field, "senator");
        assert_eq!(
            errors[0].message(&crate::words::Words::ENGLISH),
            "Give the bioguide id of one of CA's senators: A000001 (Ann Able)."
        );
        let ActionVerdict::Invalid(errors) = raw("tweeted", "ZZ", "").validate(&bundle()) else {
            panic!("invalid");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["kind", "state"]);
        let mut bot = raw("called", "CA", "A000001");
        bot.website = Some("spam".into());
        assert_eq!(bot.validate(&bundle()), ActionVerdict::Bot);
    }
}
