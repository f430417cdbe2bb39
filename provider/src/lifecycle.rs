//! The lifecycle every kind shares: who an AWS object belongs to, creating it exactly once when responses are lost
//! or the provider dies, and deleting it without waiting on what will never clear.
//!
//! # Identity, and what the engine records
//!
//! Every object a create makes carries the ownership tag (`ManagedBy=pulumi-orderapi`) and [`IDENTITY_TAG`], a
//! digest of the Pulumi URN it was created for. Neither is ever removed. The provider also knows, for each URN of a
//! deployment, whether the engine records an object for it: `Check` gets old inputs only for a recorded resource,
//! and `Diff`, `Update`, `Read` and `Delete` carry the recorded id. [`Ledger`] keeps that per provider process (one
//! process serves one deployment), and each operation's [`Context`] carries the answer as [`Recorded`].
//!
//! On create, an object found under the resource's name (or, for kinds AWS does not name, by identity) is:
//! - [`Found::Orphan`]: ours, made for this URN, and not an object the engine records: the leftover of a create
//!   whose answer never reached the engine (the provider crashed, or the response was lost). It is adopted and
//!   brought to the declared inputs.
//! - [`Found::Recorded`]: the object the engine records for this URN (a create-before-delete replacement,
//!   `pulumi up --replace`). Never adopted: the engine deletes it next.
//! - [`Found::Other`]: ours, but made for another URN (another stack or resource). A conflict.
//! - [`Found::Stranger`]: not ours. A conflict.
//!
//! # Exactly once under lost responses
//!
//! [`create_once`] looks for the object before each create call, and again after a call whose answer was lost or
//! that AWS refused because the object already exists. Create calls are sent with the SDK's automatic retry turned
//! off ([`no_retry`]), so no attempt is repeated without looking first: AWS documents some creates as idempotent
//! by name (load balancers, target groups, listeners), emulators do not, and others make a second object or a side
//! effect per call (VPCs, subnets, gateways, addresses, route tables, task definition revisions, Aurora's managed
//! secret). Upserts (PutMetricAlarm, PutDashboard, PutScalingPolicy, RegisterScalableTarget, AssociateWebACL) and
//! SNS CreateTopic keep the SDK's retry: repeating them is harmless. Idempotency tokens ([`Context::client_token`])
//! are sent where the API takes one.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::aws::OWNERSHIP_TAG;
use crate::error::{ErrorClass, ResourceError};
use crate::resource::{Context, Poll};

/// The tag holding [`Identity`]: which Pulumi resource (URN) the object was created for.
pub const IDENTITY_TAG: &str = "orderapi:urn";

/// The create-pending marker earlier releases put on objects until a create's last step. No longer written; an
/// object that still carries it (created by an earlier release, never recorded) is adopted like an orphan, and a
/// recorded one shows it as tag drift that the next update removes.
pub const LEGACY_PENDING_TAG: &str = "orderapi:create-pending";

/// A digest of a Pulumi URN: 32 hex characters, short enough for every service's tag values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Identity(String);

impl Identity {
    pub fn of(urn: &str) -> Identity {
        let digest = Sha256::digest(urn.as_bytes());
        Identity(digest.iter().take(16).map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the engine records for one URN, as far as this deployment has told the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Nothing: the resource is new (Check had no old inputs). Any object with its identity is an orphan.
    Nothing,
    /// The engine records these objects (their ids) for the URN; any other object with its identity is an orphan
    /// (a create-before-delete replacement interrupted after AWS made the new object).
    Ids(BTreeSet<String>),
    /// The engine records something whose id this process has not seen: nothing with the identity is adopted.
    Unknown,
}

impl Recorded {
    /// Whether the engine may record object `id` for this URN.
    pub fn holds(&self, id: &str) -> bool {
        match self {
            Recorded::Nothing => false,
            Recorded::Ids(ids) => ids.contains(id),
            Recorded::Unknown => true,
        }
    }
}

/// Per URN, what the engine records, learned from the requests of this provider process.
#[derive(Clone, Default)]
pub struct Ledger(Arc<Mutex<HashMap<String, Recorded>>>);

impl Ledger {
    /// Check's view: old inputs mean the engine records a resource for `urn`.
    pub fn checked(&self, urn: &str, has_olds: bool) {
        if let Ok(mut m) = self.0.lock() {
            let entry = m.entry(urn.to_string()).or_insert(Recorded::Nothing);
            if has_olds && *entry == Recorded::Nothing {
                *entry = Recorded::Unknown;
            }
        }
    }

    /// The engine named `id` as the object it records for `urn` (Diff, Update, Read, Delete).
    pub fn records(&self, urn: &str, id: &str) {
        if id.is_empty() {
            return;
        }
        if let Ok(mut m) = self.0.lock() {
            let entry = m.entry(urn.to_string()).or_insert(Recorded::Nothing);
            match entry {
                Recorded::Ids(ids) => {
                    ids.insert(id.to_string());
                }
                _ => *entry = Recorded::Ids(BTreeSet::from([id.to_string()])),
            }
        }
    }

    /// What is known for `urn`; a URN this process never saw is treated as recorded-unknown (nothing adopted).
    pub fn get(&self, urn: &str) -> Recorded {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(urn).cloned())
            .unwrap_or(Recorded::Unknown)
    }
}

/// What an object found at create time is to this resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// No ownership tag: made by someone else.
    Stranger,
    /// Ours, made for another Pulumi resource (`identity` is its URN digest, or `None` for objects of an earlier
    /// release).
    Other { identity: Option<String> },
    /// The object the engine records for this resource (the one a replacement replaces).
    Recorded,
    /// Ours, made for this resource, and not recorded: the leftover of an interrupted create. Adopt it.
    Orphan,
}

impl Context {
    /// The tags every object this resource creates carries: the provider's default tags, the resource's own, the
    /// ownership tag and [`IDENTITY_TAG`].
    pub fn tags(&self, own: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
        let mut tags = self.aws.effective_tags(own);
        tags.insert(IDENTITY_TAG.to_string(), self.identity.as_str().to_string());
        tags
    }

    /// Classifies object `id` with live `tags`, found while creating this resource.
    pub fn found(&self, id: &str, tags: &BTreeMap<String, String>) -> Found {
        let owned = tags.get(OWNERSHIP_TAG.0).map(String::as_str) == Some(OWNERSHIP_TAG.1);
        if !owned {
            return Found::Stranger;
        }
        // An earlier release's object (no identity) that the engine records for this resource is its own.
        let recorded_here = matches!(&self.recorded, Recorded::Ids(ids) if ids.contains(id));
        if recorded_here && !tags.contains_key(IDENTITY_TAG) {
            return Found::Recorded;
        }
        let ours = match tags.get(IDENTITY_TAG) {
            Some(identity) => identity == self.identity.as_str(),
            // An earlier release's object: only its unfinished creates are known to be leftovers.
            None if tags.contains_key(LEGACY_PENDING_TAG) => true,
            None => false,
        };
        match (ours, self.recorded.holds(id)) {
            (false, _) => Found::Other {
                identity: tags.get(IDENTITY_TAG).cloned(),
            },
            (true, true) => Found::Recorded,
            (true, false) => Found::Orphan,
        }
    }

    /// Whether an object of this resource's identity may be adopted: it is ours and the engine does not record it.
    pub fn is_orphan(&self, id: &str, tags: &BTreeMap<String, String>) -> bool {
        self.found(id, tags) == Found::Orphan
    }

    /// The debug line a create logs when it adopts the leftover `id` of an interrupted create.
    pub fn adopting(&self, kind: &str, id: &str) {
        self.debug(format!(
            "adopting {kind} {id}: it carries this resource's identity ({IDENTITY_TAG}={}) and the engine does not \
             record it, so it is the leftover of a create whose answer was lost",
            self.identity.as_str()
        ));
    }

    /// A per-deployment idempotency token for a create of this resource with `inputs`, at most `max_len`
    /// characters: the same for every attempt of this deployment (SDK retries and [`create_once`]'s), different
    /// after the provider restarts (a later deployment finds the object by identity instead, and a token AWS
    /// remembers would hand back an object deleted since).
    pub fn client_token<T: serde::Serialize>(&self, inputs: &T, max_len: usize) -> String {
        let mut h = Sha256::new();
        h.update(self.urn.as_bytes());
        h.update(serde_json::to_vec(inputs).unwrap_or_default());
        h.update(process_nonce());
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        hex.chars().take(max_len).collect()
    }
}

/// Random bytes fixed for the life of this process.
fn process_nonce() -> &'static [u8; 16] {
    static NONCE: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    NONCE.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(std::process::id().to_le_bytes());
        h.update(format!("{:?}", std::time::SystemTime::now()).as_bytes());
        h.update(format!("{:?}", Instant::now()).as_bytes());
        let mut out = [0u8; 16];
        out.copy_from_slice(&h.finalize()[..16]);
        out
    })
}

/// The error for an object that stands in the way of a create: `what` describes it (`role 'role-prod-x7k2'`,
/// `subnet subnet-1 (10.0.0.0/20)`).
pub fn conflict(what: &str, found: &Found) -> ResourceError {
    let message = match found {
        Found::Stranger => format!(
            "{what} already exists and was not created by pulumi-orderapi (no {}={} tag); choose another name \
             (e.g. environment/environmentSuffix), or delete that object, or `pulumi import` it",
            OWNERSHIP_TAG.0, OWNERSHIP_TAG.1
        ),
        Found::Other {
            identity: Some(identity),
        } => format!(
            "{what} already exists and belongs to another Pulumi resource ({IDENTITY_TAG}={identity}, another stack \
             or resource name); give this resource another name, or destroy the other one first"
        ),
        Found::Other { identity: None } => format!(
            "{what} already exists and was created by pulumi-orderapi for a resource recorded in some Pulumi state; \
             give this resource another name, or destroy the other one (or `pulumi import` it here)"
        ),
        Found::Recorded => format!(
            "{what} already exists: it is the object this resource is replacing, and AWS keeps the name unique; \
             replace it with deleteBeforeReplace, or give the new one another name"
        ),
        Found::Orphan => format!("{what} is being adopted"),
    };
    ResourceError::Conflict(message)
}

/// How [`create_once`] ended.
#[derive(Debug)]
pub enum Created<T> {
    /// The create call made it.
    New(T),
    /// An orphan of an earlier, interrupted attempt was found and is to be adopted.
    Adopted(T),
}

impl<T> Created<T> {
    pub fn into_inner(self) -> T {
        match self {
            Created::New(v) | Created::Adopted(v) => v,
        }
    }

    pub fn is_adopted(&self) -> bool {
        matches!(self, Created::Adopted(_))
    }
}

/// How many create calls [`create_once`] makes before it gives up.
const CREATE_ATTEMPTS: u32 = 6;

/// Creates an object exactly once. `find` looks the object up by identity (an orphan to adopt → `Some`, nothing
/// → `None`, a stranger or another resource's object → the conflict error); `create` makes one create call. `find`
/// runs before the first call (a crashed earlier deployment), and after every call whose answer was lost or that
/// AWS refused because the object exists (the lost answer of an earlier attempt); only when it still finds nothing
/// is the call repeated. `what` names the object in status lines and errors.
pub async fn create_once<T, F, FFut, C, CFut>(
    ctx: &Context,
    what: &str,
    mut find: F,
    mut create: C,
) -> Result<Created<T>, ResourceError>
where
    F: FnMut() -> FFut,
    FFut: Future<Output = Result<Option<T>, ResourceError>>,
    C: FnMut() -> CFut,
    CFut: Future<Output = Result<T, ResourceError>>,
{
    let mut delay = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        if let Some(found) = find().await? {
            return Ok(Created::Adopted(found));
        }
        let err = match create().await {
            Ok(made) => return Ok(Created::New(made)),
            Err(e) => e,
        };
        let retry = matches!(err.class(), ErrorClass::Transient | ErrorClass::Throttled)
            || err.class() == ErrorClass::Exists;
        if !retry || attempt >= CREATE_ATTEMPTS {
            return Err(err);
        }
        ctx.status(format!(
            "{what}: {}; looking it up before trying again ({attempt}/{CREATE_ATTEMPTS})",
            err.brief()
        ));
        ctx.sleep(what, delay).await?;
        delay = (delay * 2).min(Duration::from_secs(8));
        attempt += 1;
    }
}

/// An object that keeps a delete from going through (found by a kind's `blockers` lookup).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocker {
    /// What it is: `route table rtb-1 (rtb-orphan, not in this stack)`.
    pub what: String,
    /// Whether AWS removes it by itself (a NAT gateway being deleted, an ENI of a load balancer going away).
    pub clears: bool,
}

/// How long blockers that do not clear by themselves are given to go away (deletes running in parallel in the
/// same deployment, eventual consistency) before the delete fails naming them.
pub const BLOCKED_GRACE: Duration = Duration::from_secs(30);

/// Runs `call` until AWS accepts the delete. Gone (NotFound) is success. While AWS says the object is in use,
/// `blockers` (when given) says by what: as long as something that clears by itself is among them, or for
/// [`BLOCKED_GRACE`] after the first refusal, the call is retried; after that, blockers that will not clear fail
/// the delete with their names instead of waiting for the timeout. Without a blockers lookup, in-use is retried
/// until the operation's deadline.
pub async fn delete_retrying<F, Fut, B, BFut>(
    ctx: &Context,
    what: &str,
    call: F,
    blockers: Option<B>,
) -> Result<(), ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), ResourceError>>,
    B: FnMut() -> BFut,
    BFut: Future<Output = Result<Vec<Blocker>, ResourceError>>,
{
    delete_retrying_within(ctx, what, call, blockers, BLOCKED_GRACE).await
}

async fn delete_retrying_within<F, Fut, B, BFut>(
    ctx: &Context,
    what: &str,
    mut call: F,
    mut blockers: Option<B>,
    grace: Duration,
) -> Result<(), ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), ResourceError>>,
    B: FnMut() -> BFut,
    BFut: Future<Output = Result<Vec<Blocker>, ResourceError>>,
{
    let waiting_for = format!("{what} to be deleted");
    let started = Instant::now();
    let mut first_refusal: Option<Instant> = None;
    let mut delay = Duration::from_millis(500);
    loop {
        let err = match ctx.bounded(&waiting_for, call()).await? {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        match err.class() {
            ErrorClass::NotFound => return Ok(()),
            ErrorClass::InUse | ErrorClass::Transient | ErrorClass::Throttled => {}
            _ => return Err(err),
        }
        let since = *first_refusal.get_or_insert_with(Instant::now);
        let state = match blockers.as_mut() {
            None => format!("AWS says {}", err.brief()),
            Some(lookup) => {
                let found = ctx.bounded(&waiting_for, lookup()).await??;
                let names = found
                    .iter()
                    .map(|b| b.what.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let stuck = !found.is_empty() && found.iter().all(|b| !b.clears);
                if stuck && since.elapsed() >= grace {
                    return Err(ResourceError::Conflict(format!(
                        "{what} cannot be deleted: it is still used by {names}, which will not go away by itself; \
                         delete or detach {}, then run the command again",
                        if found.len() == 1 { "it" } else { "them" }
                    )));
                }
                if found.is_empty() {
                    format!("AWS says {}", err.code().unwrap_or("in use"))
                } else {
                    format!("in use by {names}")
                }
            }
        };
        let waited = started.elapsed().as_secs();
        ctx.status(format!(
            "waiting for {waiting_for} ({state}), {}m{:02}s",
            waited / 60,
            waited % 60
        ));
        ctx.sleep(&waiting_for, delay).await?;
        delay = (delay * 3 / 2).min(Duration::from_secs(10));
    }
}

/// Deletes an object with `call` and waits until `exists` no longer finds it (AWS lets go of some objects after
/// the call returns). Already gone (NotFound) counts as deleted; while AWS says the object is in use, throttles or
/// does not answer, the call is repeated until the operation's deadline; anything else fails.
pub async fn delete_and_wait<T, C, CFut, E, EFut>(
    ctx: &Context,
    what: &str,
    mut call: C,
    mut exists: E,
) -> Result<(), ResourceError>
where
    C: FnMut() -> CFut,
    CFut: Future<Output = Result<T, ResourceError>>,
    E: FnMut() -> EFut,
    EFut: Future<Output = Result<bool, ResourceError>>,
{
    ctx.wait_for(&format!("{what} to be deleted"), || {
        let deleting = call();
        let looking = exists();
        async move {
            match deleting.await {
                Ok(_) => {}
                Err(e) => match e.class() {
                    ErrorClass::NotFound => return Ok(Poll::Ready(())),
                    ErrorClass::InUse | ErrorClass::Throttled | ErrorClass::Transient => {
                        return Ok(Poll::Pending(format!("AWS says {}", e.brief())));
                    }
                    _ => return Err(e),
                },
            }
            Ok(if looking.await? {
                Poll::Pending("still there".into())
            } else {
                Poll::Ready(())
            })
        }
    })
    .await
}

/// `delete_retrying` without a blockers lookup.
pub async fn delete_retrying_plain<F, Fut>(
    ctx: &Context,
    what: &str,
    call: F,
) -> Result<(), ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), ResourceError>>,
{
    delete_retrying(
        ctx,
        what,
        call,
        None::<fn() -> std::future::Ready<Result<Vec<Blocker>, ResourceError>>>,
    )
    .await
}

/// Retries `call` while AWS reports a transient condition (`classes`, e.g. IAM's eventual consistency right after
/// a role is created, WAF's optimistic lock), within the operation's deadline and at most `limit` long.
pub async fn retry_while<T, F, Fut>(
    ctx: &Context,
    what: &str,
    classes: &[ErrorClass],
    limit: Duration,
    mut call: F,
) -> Result<T, ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ResourceError>>,
{
    let until = Instant::now() + limit;
    let mut delay = Duration::from_millis(500);
    loop {
        let err = match ctx.bounded(what, call()).await? {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if !classes.contains(&err.class()) {
            return Err(err);
        }
        if Instant::now() + delay >= until {
            // AWS's own words are the news, not the end of this wait.
            return Err(ResourceError::Conflict(format!("{what}: {err}")));
        }
        ctx.status(format!("{what}: {}; retrying", err.brief()));
        ctx.sleep(what, delay).await?;
        delay = (delay * 3 / 2).min(Duration::from_secs(10));
    }
}

/// SDK configuration with automatic retries off, for create calls that must not be repeated blindly (see the
/// module docs): `.customize().config_override(no_retry!(aws_sdk_ec2))`.
#[macro_export]
macro_rules! no_retry {
    ($sdk:ident) => {
        $sdk::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
    };
}
pub use no_retry;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Aws;
    use tokio_util::sync::CancellationToken;

    fn ctx(recorded: Recorded) -> Context {
        Context::new(
            Arc::new(Aws::offline()),
            "urn:pulumi:dev::p::orderapi:ec2:Vpc::a",
            Duration::from_secs(5),
            CancellationToken::new(),
        )
        .with_recorded(recorded)
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn identity_is_a_stable_digest_of_the_urn() {
        let a = Identity::of("urn:pulumi:dev::p::orderapi:ec2:Vpc::a");
        assert_eq!(a, Identity::of("urn:pulumi:dev::p::orderapi:ec2:Vpc::a"));
        assert_ne!(a, Identity::of("urn:pulumi:dev::p::orderapi:ec2:Vpc::b"));
        assert_eq!(a.as_str().len(), 32);
    }

    #[test]
    fn only_an_unrecorded_object_of_this_resource_is_an_orphan() {
        let new = ctx(Recorded::Nothing);
        let own = new.tags(None);
        assert_eq!(new.found("vpc-1", &own), Found::Orphan);
        assert_eq!(new.found("vpc-1", &tags(&[("Name", "x")])), Found::Stranger);
        let other = ctx(Recorded::Nothing);
        let mut theirs = own.clone();
        theirs.insert(IDENTITY_TAG.into(), "0".repeat(32));
        assert!(matches!(
            other.found("vpc-1", &theirs),
            Found::Other { identity: Some(_) }
        ));
        let replacing = ctx(Recorded::Ids(BTreeSet::from(["vpc-1".to_string()])));
        assert_eq!(replacing.found("vpc-1", &own), Found::Recorded);
        assert_eq!(replacing.found("vpc-2", &own), Found::Orphan);
        let unknown = ctx(Recorded::Unknown);
        assert_eq!(unknown.found("vpc-2", &own), Found::Recorded);
        // An earlier release's object: adopted only while it carries the create-pending marker.
        let legacy = tags(&[(OWNERSHIP_TAG.0, OWNERSHIP_TAG.1)]);
        assert_eq!(new.found("vpc-3", &legacy), Found::Other { identity: None });
        let recorded_legacy = ctx(Recorded::Ids(BTreeSet::from(["vpc-3".to_string()])));
        assert_eq!(recorded_legacy.found("vpc-3", &legacy), Found::Recorded);
        let mut unfinished = legacy.clone();
        unfinished.insert(LEGACY_PENDING_TAG.into(), "true".into());
        assert_eq!(new.found("vpc-3", &unfinished), Found::Orphan);
    }

    #[test]
    fn ledger_learns_from_the_engine() {
        let l = Ledger::default();
        let urn = "urn:x";
        assert_eq!(l.get(urn), Recorded::Unknown);
        l.checked(urn, false);
        assert_eq!(l.get(urn), Recorded::Nothing);
        l.checked("urn:y", true);
        assert_eq!(l.get("urn:y"), Recorded::Unknown);
        l.records("urn:y", "id-1");
        l.records("urn:y", "id-2");
        l.records("urn:y", "");
        assert_eq!(
            l.get("urn:y"),
            Recorded::Ids(BTreeSet::from(["id-1".into(), "id-2".into()]))
        );
        // A later Check does not forget what Diff said.
        l.checked("urn:y", true);
        assert!(matches!(l.get("urn:y"), Recorded::Ids(_)));
    }

    #[test]
    fn tokens_are_stable_within_a_process_and_differ_per_input() {
        let c = ctx(Recorded::Nothing);
        let a = c.client_token(&serde_json::json!({"a": 1}), 64);
        assert_eq!(a, c.client_token(&serde_json::json!({"a": 1}), 64));
        assert_ne!(a, c.client_token(&serde_json::json!({"a": 2}), 64));
        assert_eq!(c.client_token(&1, 36).len(), 36);
    }

    fn aws_err(code: &str) -> ResourceError {
        ResourceError::Aws {
            operation: "ec2:CreateThing",
            code: code.into(),
            message: String::new(),
            hint: None,
        }
    }

    #[tokio::test]
    async fn create_once_looks_before_repeating_a_lost_call() {
        let c = ctx(Recorded::Nothing);
        let made = std::cell::Cell::new(0);
        let calls = std::cell::Cell::new(0);
        // The first call takes effect but its answer is lost; the lookup then finds the object.
        let out = create_once(
            &c,
            "thing",
            || async { Ok((made.get() > 0).then_some("adopted")) },
            || async {
                calls.set(calls.get() + 1);
                made.set(made.get() + 1);
                Err::<&str, _>(aws_err("RequestFailed"))
            },
        )
        .await
        .expect("adopted");
        assert!(out.is_adopted());
        assert_eq!(calls.get(), 1, "the create must not be repeated");

        // AlreadyExists from the SDK's own retry of a lost call: look, adopt.
        let exists = std::cell::Cell::new(false);
        let out = create_once(
            &c,
            "thing",
            || async { Ok(exists.get().then_some("it")) },
            || async {
                exists.set(true);
                Err::<&str, _>(aws_err("ResourceAlreadyExistsException"))
            },
        )
        .await
        .expect("adopted");
        assert_eq!(out.into_inner(), "it");

        // Any other refusal is final, after one call.
        let calls = std::cell::Cell::new(0);
        let err = create_once(
            &c,
            "thing",
            || async { Ok(None::<&str>) },
            || async {
                calls.set(calls.get() + 1);
                Err::<&str, _>(aws_err("InvalidParameterValue"))
            },
        )
        .await
        .expect_err("refused");
        assert_eq!(err.code(), Some("InvalidParameterValue"));
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test]
    async fn delete_names_blockers_that_never_clear() {
        let mut c = ctx(Recorded::Nothing);
        c.deadline = Instant::now() + Duration::from_secs(600);
        let started = Instant::now();
        let err = delete_retrying_within(
            &c,
            "vpc vpc-1",
            || async { Err(aws_err("DependencyViolation")) },
            Some(|| async {
                Ok(vec![Blocker {
                    what: "route table rtb-9".into(),
                    clears: false,
                }])
            }),
            Duration::from_secs(1),
        )
        .await
        .expect_err("blocked");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "must not wait for the deadline"
        );
        let text = err.to_string();
        assert!(text.contains("route table rtb-9"), "{text}");
        assert!(text.contains("will not go away by itself"), "{text}");

        // Gone is success; a blocker that clears is waited for.
        let tries = std::cell::Cell::new(0);
        delete_retrying_within(
            &c,
            "subnet subnet-1",
            || async {
                tries.set(tries.get() + 1);
                if tries.get() < 3 {
                    Err(aws_err("DependencyViolation"))
                } else {
                    Err(aws_err("InvalidSubnetID.NotFound"))
                }
            },
            Some(|| async {
                Ok(vec![Blocker {
                    what: "eni-1 (NAT gateway being deleted)".into(),
                    clears: true,
                }])
            }),
            Duration::ZERO,
        )
        .await
        .expect("deleted");
        assert_eq!(tries.get(), 3);

        // Access denied is never retried.
        let err = delete_retrying_plain(&c, "x", || async { Err(aws_err("AuthFailure")) })
            .await
            .expect_err("denied");
        assert_eq!(err.code(), Some("AuthFailure"));
    }
}
