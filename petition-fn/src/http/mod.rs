//! The HTTP API: one axum router holding every route under `/api`.
//!
//! | route | method | answer |
//! | --- | --- | --- |
//! | `/api/petitions/{id}/signatures` | POST | form: 303 to the thank-you (or "check your inbox") page, or 422 page; JSON: 201 `{status: "signed", message}` (202 `pending`) or 422 `{errors}` |
//! | `/api/petitions/{id}` | GET | `{id, count, by_country, goal, open}`, cacheable 5 s at the CDN, readable from any origin (CORS) |
//! | `/api/petitions/{id}/badge.svg` | GET | the count as an SVG image for partners' pages, cacheable a minute |
//! | `/api/petitions/{id}/history` | GET | the hourly count history `{id, interval, points: [{at, count, by_country}]}`, cacheable 5 minutes, readable from any origin (CORS) |
//! | `/api/petitions/{id}/history.csv` | GET | the same as CSV `petition,at,country,count` (an attachment), cacheable and CORS alike |
//! | `/api/letters` | POST | form: 200 with the page naming the state's senators, or 422 page; JSON: 201 `{state, senators, letter}` or 422 `{errors}` |
//! | `/api/actions` | POST | an outcome `{kind, state, senator}`: form 200 thank-you page; JSON 201 `{status: "counted", message}`; 422 `{errors}` |
//! | `/api/confirm` | GET, POST | the page with the button; confirms a signature: form 303, JSON 200 `{status, count}` |
//! | `/api/unsubscribe` | GET, POST | the page with the button; stops updates: 200 |
//! | `/api/challenge` | GET | a proof-of-work challenge `{algorithm, challenge, salt, signature, maxnumber}` for a client over its limit |
//! | `/api/health` | GET | `{status, store}` |
//! | `/api/openapi.json` | GET | the OpenAPI 3.1 description of every route (`petition-fn/openapi.json`) |
//!
//! The document is the complete reference (every status, body and header); the router tests
//! in `tests/openapi.rs` hold the router to it.
//!
//! Mount it in another server with [`app`] and `Router::merge` (it sets no fallback, so the
//! host keeps its own); run it alone with [`standalone_app`], which adds a JSON 404.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::mail::{Mailer, Outbox};
use crate::protect::{KeyError, SignerKeys};
use crate::store::local::LocalStore;
use crate::store::{Pause, Store, StoreError};
use contract::bundle::{Petition, SiteBundle};
use lang::Local;

mod actions;
mod challenge;
mod confirm;
mod extract;
mod history;
mod lang;
mod layers;
mod letters;
mod openapi;
mod origin;
mod pages;
mod petitions;
mod refusal;
mod reply;
mod signatures;
#[cfg(test)]
pub(crate) mod tests;
mod unsubscribe;

pub(crate) use reply::{chain, log_failure};

/// Largest request body accepted (a signature is far smaller, a letter of 5,000 characters
/// fits); larger ones get 413.
pub(crate) const BODY_LIMIT: usize = 8 * 1024;

/// Where "now" comes from: the system clock, or a fixed time in tests.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Everything the handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    store: Arc<dyn Store>,
    keys: SignerKeys,
    mailer: Option<Arc<dyn Mailer>>,
    site: RwLock<Arc<Site>>,
    clock: Clock,
    origin_secret: Option<Arc<str>>,
    pauses: Mutex<HashMap<String, (Instant, Option<Pause>)>>,
}

/// How long a petition's pause state is taken as read: an operator's pause is seen within
/// this, plus a request's time.
const PAUSE_CACHE: Duration = Duration::from_secs(5);

/// A bundle with its languages and their compiled pages, swapped as one.
pub(crate) struct Site {
    pub(crate) bundle: Arc<SiteBundle>,
    /// The bundle as each of its other languages' visitors see it, made once per bundle.
    locals: BTreeMap<String, Local>,
    /// The default language's.
    default: Local,
}

impl Site {
    /// The site in the language a request asked for (`lang`), or in its default language.
    pub(crate) fn local(&self, requested: Option<&str>) -> &Local {
        let lang = self.bundle.language_for(requested);
        self.locals.get(lang).unwrap_or(&self.default)
    }

    /// The petition a request's path names, or the 404 refusal.
    pub(crate) fn petition(
        &self,
        id: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
    ) -> Result<Petition, refusal::Refusal> {
        self.default.path_petition(id)
    }

    fn new(bundle: SiteBundle) -> Self {
        let default = Local::new(&bundle, &bundle.language);
        // Compiled now, so that a theme that does not compile is logged when it is loaded.
        default.pages();
        let locals = bundle
            .translations
            .keys()
            .map(|lang| (lang.clone(), Local::new(&bundle, lang)))
            .collect();
        Self {
            bundle: Arc::new(bundle),
            locals,
            default,
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.inner.store.kind())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a store, the signer keys and a site bundle, on the system clock.
    pub fn new(store: Arc<dyn Store>, keys: SignerKeys, bundle: SiteBundle) -> Self {
        Self {
            inner: Arc::new(Shared {
                store,
                keys,
                mailer: None,
                site: RwLock::new(Arc::new(Site::new(bundle))),
                clock: Arc::new(SystemTime::now),
                origin_secret: None,
                pauses: Mutex::default(),
            }),
        }
    }

    fn rebuilt(
        &self,
        mailer: Option<Arc<dyn Mailer>>,
        clock: Clock,
        origin_secret: Option<Arc<str>>,
    ) -> Self {
        Self {
            inner: Arc::new(Shared {
                store: Arc::clone(&self.inner.store),
                keys: self.inner.keys.clone(),
                mailer,
                site: RwLock::new(self.site()),
                clock,
                origin_secret,
                pauses: Mutex::default(),
            }),
        }
    }

    /// The same state on another clock (tests fix "today" with it).
    pub fn with_clock(self, clock: Clock) -> Self {
        self.rebuilt(
            self.inner.mailer.clone(),
            clock,
            self.inner.origin_secret.clone(),
        )
    }

    /// The same state sending its mail (confirmations) through `mailer`. Without one, a
    /// confirming petition answers that the mail could not be sent.
    pub fn with_mailer(self, mailer: Arc<dyn Mailer>) -> Self {
        self.rebuilt(
            Some(mailer),
            Arc::clone(&self.inner.clock),
            self.inner.origin_secret.clone(),
        )
    }

    /// The same state behind CloudFront: a request whose `X-Origin-Verify` header equals
    /// `secret` came through it, so its `CloudFront-Viewer-Address` is the client's
    /// ([`crate::fair`]). Without a secret that header is never trusted.
    pub fn with_origin_secret(self, secret: &str) -> Self {
        let secret = Some(secret.trim()).filter(|s| !s.is_empty()).map(Arc::from);
        self.rebuilt(
            self.inner.mailer.clone(),
            Arc::clone(&self.inner.clock),
            secret,
        )
    }

    /// The origin secret, when the function runs behind CloudFront.
    pub(crate) fn origin_secret(&self) -> Option<&str> {
        self.inner.origin_secret.as_deref()
    }

    /// Whether signing of `petition` is paused, as read from the store at most
    /// [`PAUSE_CACHE`] ago.
    pub(crate) async fn pause_of(&self, petition: &str) -> Result<Option<Pause>, StoreError> {
        let cached = self
            .inner
            .pauses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(petition)
            .filter(|(at, _)| at.elapsed() < PAUSE_CACHE)
            .map(|(_, pause)| pause.clone());
        if let Some(pause) = cached {
            return Ok(pause);
        }
        let pause = self.inner.store.pause(petition).await?;
        self.inner
            .pauses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(petition.to_owned(), (Instant::now(), pause.clone()));
        Ok(pause)
    }

    /// Replaces the site bundle (and recompiles its pages) while the server runs: `site-gen
    /// serve` calls it after each rebuild. Requests in flight finish with the old one.
    pub fn replace_bundle(&self, bundle: SiteBundle) {
        let site = Arc::new(Site::new(bundle));
        let mut guard = self
            .inner
            .site
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = site;
    }

    /// The current site bundle.
    pub fn bundle(&self) -> Arc<SiteBundle> {
        Arc::clone(&self.site().bundle)
    }

    /// The store.
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.inner.store)
    }

    /// The signer keys (the operator's export decrypts with them).
    pub fn keys(&self) -> &SignerKeys {
        &self.inner.keys
    }

    /// Deletes expired pending signatures now and every hour, on this state's clock, for as
    /// long as the runtime runs: the embedded store has no TTL (on DynamoDB it costs one
    /// call that does nothing). The local servers start it.
    pub fn spawn_sweeper(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                let now = contract::date::unix_seconds(state.now());
                if let Err(e) = state.inner.store.sweep(now).await {
                    reply::log_failure("sweep", reply::chain(&e));
                }
            }
        })
    }

    /// Takes the hourly snapshot of every petition of the current bundle now and at every
    /// hour after, on this state's clock, for as long as the runtime runs ([`crate::history`]):
    /// the local servers' stand-in for the Lambda's schedule, so the preview has a history.
    pub fn spawn_snapshots(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            let period =
                std::time::Duration::from_secs(crate::history::INTERVAL_SECS.unsigned_abs());
            let mut hourly = tokio::time::interval(period);
            loop {
                hourly.tick().await;
                let petitions = state.bundle().petition_ids();
                let store = state.store();
                if let Err(e) = crate::history::take(store.as_ref(), &petitions, state.now()).await
                {
                    reply::log_failure("snapshot", reply::chain(&e));
                }
            }
        })
    }

    /// The mail transport, when there is one.
    pub(crate) fn mailer(&self) -> Option<&Arc<dyn Mailer>> {
        self.inner.mailer.as_ref()
    }

    /// The current time on this state's clock.
    pub fn now(&self) -> SystemTime {
        (self.inner.clock)()
    }

    pub(crate) fn site(&self) -> Arc<Site> {
        let guard = self
            .inner
            .site
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(&guard)
    }
}

/// Why a state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The signer keys.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The setup task failed.
    #[error("setting up the local store failed: {0}")]
    Task(String),
    /// The store was written with another signer key.
    #[error(transparent)]
    Key(#[from] crate::store::KeyCheckError),
}

/// State on the embedded store in `data_dir` (`petitions.redb`), with the signer secret from
/// `SIGNER_HMAC_KEY` when set, else `data_dir/signer.key` (generated on first use), sealing
/// personal fields to `OPERATOR_PUBLIC_KEY` or `data_dir/operator.key`, and mail
/// written to the outbox `data_dir/outbox/` (the preview lists it at `/_outbox/`).
///
/// `site-gen serve` calls this, then merges [`app`] into its router.
pub async fn local_state(data_dir: &Path, bundle: SiteBundle) -> Result<AppState, StateError> {
    let dir = data_dir.to_owned();
    let (store, keys) = tokio::task::spawn_blocking(move || {
        let store = LocalStore::open_in(&dir)?;
        let keys = SignerKeys::for_local_server(&dir)?;
        Ok::<_, StateError>((store, keys))
    })
    .await
    .map_err(|e| StateError::Task(e.to_string()))??;
    let store: Arc<dyn Store> = Arc::new(store);
    let location = data_dir.join(crate::store::local::DB_FILE);
    crate::store::check_key(store.as_ref(), &keys, &location.display().to_string(), true).await?;
    Ok(AppState::new(store, keys, bundle).with_mailer(Arc::new(Outbox::new(data_dir))))
}

fn routes() -> Router<AppState> {
    use contract::api::route;
    Router::new()
        .route(
            route::SIGNATURES,
            post(signatures::sign).fallback(refusal::wrong_method),
        )
        .route(
            route::PETITION,
            get(petitions::status).fallback(refusal::wrong_method),
        )
        .route(
            route::BADGE,
            get(petitions::badge).fallback(refusal::wrong_method),
        )
        .route(
            route::HISTORY,
            get(history::json).fallback(refusal::wrong_method),
        )
        .route(
            route::HISTORY_CSV,
            get(history::csv).fallback(refusal::wrong_method),
        )
        .route(
            route::LETTERS,
            post(letters::send).fallback(refusal::wrong_method),
        )
        .route(
            route::CONFIRM,
            get(confirm::page)
                .post(confirm::confirm)
                .fallback(refusal::wrong_method),
        )
        .route(
            route::UNSUBSCRIBE,
            get(unsubscribe::page)
                .post(unsubscribe::unsubscribe)
                .fallback(refusal::wrong_method),
        )
        .route(
            route::ACTIONS,
            post(actions::report).fallback(refusal::wrong_method),
        )
        .route(
            route::CHALLENGE,
            get(challenge::challenge).fallback(refusal::wrong_method),
        )
        .route(
            route::HEALTH,
            get(petitions::health).fallback(refusal::wrong_method),
        )
        .route(
            route::OPENAPI,
            get(openapi::document).fallback(refusal::wrong_method),
        )
}

/// The layers every API answer passes through, innermost first: the cross-site guard on POSTs,
/// the deadline and the announced body size, refusals rendered in the client's style, the body
/// limit, security headers and the request log.
fn layered(router: Router<AppState>, state: AppState) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            layers::bounds,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refusal::render,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(layers::observe))
        .with_state(state)
}

/// The API router, every route under `/api`, with the body limit, security headers and the
/// request log. No fallback: merge it into a host router (`site-gen serve`).
pub fn app(state: AppState) -> Router {
    layered(routes(), state)
}

/// [`app`] plus a JSON 404 for every other path: for `petition-fn serve` and Lambda.
pub fn standalone_app(state: AppState) -> Router {
    layered(routes().fallback(refusal::no_route), state)
}
