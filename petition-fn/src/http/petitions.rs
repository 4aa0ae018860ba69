//! `GET /api/petitions/{id}`, its badge, and `GET /api/health`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use serde_json::json;

use contract::bundle::Petition;
use contract::counts::PetitionCount;
use contract::date::utc_date;

use super::AppState;
use super::refusal::{Refusal, Subject, store_failure};
use super::reply;
use crate::store::Counts;
use crate::words::Words;

/// How long the CDN may keep a petition's count: browsers revalidate, CloudFront serves the
/// same count for 5 seconds, so a burst of visitors costs one store read per 5 seconds.
pub(crate) const COUNT_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5";

/// The petition a request's path names and its confirmed counts.
async fn counted(
    state: &AppState,
    id: Result<Path<String>, PathRejection>,
) -> Result<(Petition, Counts), Refusal> {
    let petition = state.site().petition(id)?;
    let counts = state
        .inner
        .store
        .count(&petition.id)
        .await
        .map_err(|e| store_failure(Subject::Count, &e))?;
    Ok((petition, counts))
}

/// [`PetitionCount`]: `{"id","count","by_country","goal","open"}`.
pub(crate) async fn status(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Refusal> {
    let (petition, counts) = counted(&state, id).await?;
    let open = petition.is_open_on(&utc_date(state.now()));
    let response = reply::json(
        StatusCode::OK,
        &PetitionCount {
            id: petition.id,
            count: counts.total,
            by_country: counts.by_country,
            goal: petition.goal,
            open,
        },
    );
    Ok(reply::public_data(response, COUNT_CACHE_CONTROL))
}

/// How long browsers and the CDN may keep a badge.
const BADGE_CACHE_CONTROL: &str = "public, max-age=60, s-maxage=60";

/// The count as a small SVG image (`<img src>` on a partner's page): its `<title>` and
/// `aria-label` say the petition and the count; system fonts, no script, nothing fetched.
pub(crate) async fn badge(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Refusal> {
    let (petition, counts) = counted(&state, id).await?;
    // In the site's default language: the CDN keeps one badge per petition, whatever the query.
    let site = state.site();
    let svg = badge_svg(&site.local(None).words(), &petition.title, counts.total);
    let mut response = (StatusCode::OK, svg).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(BADGE_CACHE_CONTROL),
    );
    Ok(response)
}

/// The badge of `count` signatures of the petition `title`, labelled in `words`' language.
fn badge_svg(words: &Words<'_>, title: &str, count: u64) -> String {
    let signatures = words.text("badge_signatures");
    let number = words.number(count);
    // About 7 px a character at 11 px in the usual sans-serif fonts, 10 px of margin a side.
    let width = |text: &str| 20 + 7 * text.chars().count();
    let (left, right) = (width(signatures), width(&number));
    let label = contract::html::escape(&format!("{title}: {number} {signatures}"));
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" viewBox="0 0 {w} 20" role="img" aria-label="{label}">"#,
            "<title>{label}</title>",
            r##"<rect width="{left}" height="20" fill="#3b3b3b"/><rect x="{left}" width="{right}" height="20" fill="#9f1d20"/>"##,
            r##"<g fill="#fff" font-family="system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif" font-size="11" text-anchor="middle">"##,
            r#"<text x="{lx}" y="14">{LABEL}</text><text x="{rx}" y="14">{number}</text></g></svg>"#,
        ),
        w = left + right,
        left = left,
        right = right,
        lx = left / 2,
        rx = left + right / 2,
        label = label,
        LABEL = contract::html::escape(signatures),
        number = contract::html::escape(&number),
    )
}

/// `{"status":"ok","store":"local"|"dynamodb"}`, or 503 with `"status":"unavailable"`.
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let store = state.store();
    match store.health().await {
        Ok(()) => reply::json(
            StatusCode::OK,
            &json!({ "status": "ok", "store": store.kind() }),
        ),
        Err(e) => {
            reply::log_failure("health", e.to_string());
            reply::retry_later(reply::json(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({ "status": "unavailable", "store": store.kind() }),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_says_what_it_shows_and_escapes_the_title() {
        let svg = badge_svg(
            &Words::ENGLISH,
            "Stop \"harvesting\" <now> & here",
            1_493_202,
        );
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\""));
        let label = "Stop &quot;harvesting&quot; &lt;now&gt; &amp; here: 1,493,202 signatures";
        assert!(svg.contains(&format!("<title>{label}</title>")), "{svg}");
        assert!(svg.contains(&format!("aria-label=\"{label}\"")), "{svg}");
        assert!(svg.contains(">1,493,202</text>"));
        assert!(
            !svg.contains("<script") && !svg.contains("href"),
            "nothing to run or fetch"
        );
        assert_eq!(svg.matches('<').count(), svg.matches('>').count());
    }
}
