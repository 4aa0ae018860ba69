//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

pub(crate) mod cli;
#[cfg(feature = "ses")]
pub(crate) mod moto;

/// The fixture site bundle with its page shell and components, as the integration tests use it.
pub(crate) fn fixture_bundle() -> contract::bundle::SiteBundle {
    let mut bundle =
        contract::bundle::SiteBundle::from_json(include_bytes!("../fixtures/bundle.json"))
            .expect("the fixture bundle parses");
    bundle.pages.shell = include_str!("../fixtures/shell.html").into();
    bundle.pages.components = include_str!("../fixtures/components.html").into();
    bundle
}
