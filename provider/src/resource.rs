//! The resource trait every AWS kind implements, the registry of kinds, and the generic adapter that turns a
//! kind into Pulumi's Check/Diff/Create/Read/Update/Delete semantics (unknowns in preview, replacement, secrets,
//! partial state). The adapter works on [`PropertyMap`]s; the gRPC layer converts those to and from the wire.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::aws::Aws;
use crate::error::ResourceError;
use crate::lifecycle::{Identity, Recorded as EngineRecord};
use crate::rpc::value::{PropertyMap, Value};
use crate::schema::{SchemaBuilder, fill_missing, property_names};

/// One validation failure: which property, and which rule it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFailure {
    pub property: String,
    pub reason: String,
}

impl CheckFailure {
    pub fn new(property: impl Into<String>, reason: impl Into<String>) -> Self {
        CheckFailure {
            property: property.into(),
            reason: reason.into(),
        }
    }
}

/// Collects failures while a kind validates its inputs.
#[derive(Default, Debug)]
pub struct Failures(Vec<CheckFailure>);

impl Failures {
    pub fn push(&mut self, property: impl Into<String>, reason: impl Into<String>) {
        self.0.push(CheckFailure::new(property, reason));
    }

    /// Records `reason` for `property` unless `ok`.
    pub fn require(&mut self, ok: bool, property: impl Into<String>, reason: impl Into<String>) {
        if !ok {
            self.push(property, reason);
        }
    }

    /// `Ok(value)` when nothing failed.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<CheckFailure>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// What `check` knows besides the inputs.
#[derive(Clone, Debug, Default)]
pub struct CheckContext {
    /// The resource's logical (Pulumi) name.
    pub name: String,
    /// A per-resource seed, stable across retries of the same operation, for autonaming.
    pub random_seed: Vec<u8>,
    /// The physical name the resource already has (from its previous inputs), kept when the program sets none
    /// so an autonamed resource is never renamed (and replaced) by a new seed.
    pub prior_name: Option<String>,
}

impl CheckContext {
    /// A physical name derived from the logical name and the random seed: `<name>-<7 hex>`, cut to `max_len`.
    pub fn autoname(&self, max_len: usize) -> String {
        if let Some(prior) = &self.prior_name {
            return prior.clone();
        }
        let hex: String = self
            .random_seed
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect();
        let suffix = if hex.is_empty() {
            "0000000".to_string()
        } else {
            hex[..7.min(hex.len())].to_string()
        };
        let keep = max_len.saturating_sub(suffix.len() + 1);
        let base: String = self.name.chars().take(keep).collect();
        format!("{base}-{suffix}")
    }
}

/// Severity of an engine diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Debug,
    Info,
    Warning,
    Error,
}

/// Where a resource operation sends diagnostics and ephemeral status (the engine, in production).
pub trait Diagnostics: Send + Sync {
    fn log(&self, severity: Severity, urn: &str, message: String, ephemeral: bool);
}

/// Diagnostics that go nowhere (tests, and operations without an engine connection).
pub struct NoDiagnostics;

impl Diagnostics for NoDiagnostics {
    fn log(&self, _: Severity, _: &str, _: String, _: bool) {}
}

/// Everything one CRUD operation may use.
#[derive(Clone)]
pub struct Context {
    pub aws: Arc<Aws>,
    pub urn: String,
    /// The digest of `urn` that every object this resource creates carries (see [`crate::lifecycle`]).
    pub identity: Identity,
    /// What the engine records for `urn` (decides what a create may adopt).
    pub recorded: EngineRecord,
    pub deadline: Instant,
    pub cancel: CancellationToken,
    pub diagnostics: Arc<dyn Diagnostics>,
}

/// The outcome of one poll of a long wait.
pub enum Poll<T> {
    Ready(T),
    /// Not yet; the string says the current state (shown to the user).
    Pending(String),
}

impl Context {
    pub fn new(
        aws: Arc<Aws>,
        urn: impl Into<String>,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> Self {
        let urn = urn.into();
        Context {
            aws,
            identity: Identity::of(&urn),
            urn,
            recorded: EngineRecord::Nothing,
            deadline: Instant::now() + timeout,
            cancel,
            diagnostics: Arc::new(NoDiagnostics),
        }
    }

    /// Sets what the engine records for this resource (the server learns it from Check/Diff/Read/Update/Delete).
    pub fn with_recorded(mut self, recorded: EngineRecord) -> Self {
        self.recorded = recorded;
        self
    }

    pub fn with_diagnostics(mut self, diagnostics: Arc<dyn Diagnostics>) -> Self {
        self.diagnostics = diagnostics;
        self
    }

    /// Ephemeral status line shown next to the resource while it waits.
    pub fn status(&self, message: impl Into<String>) {
        self.diagnostics
            .log(Severity::Info, &self.urn, message.into(), true);
    }

    pub fn warn(&self, message: impl Into<String>) {
        self.diagnostics
            .log(Severity::Warning, &self.urn, message.into(), false);
    }

    pub fn debug(&self, message: impl Into<String>) {
        self.diagnostics
            .log(Severity::Debug, &self.urn, message.into(), false);
    }

    /// Polls `f` with exponential backoff (1 s → 10 s) until it is ready, the operation's deadline passes or the
    /// engine cancels. `what` names the wait in status lines and errors ("nat-prod-x7k2 to be available").
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut f: F) -> Result<T, ResourceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Poll<T>, ResourceError>>,
    {
        let started = Instant::now();
        let mut delay = Duration::from_millis(500);
        loop {
            let polled = self.bounded(what, f()).await??;
            match polled {
                Poll::Ready(v) => return Ok(v),
                Poll::Pending(state) => {
                    let waited = started.elapsed().as_secs();
                    self.status(format!(
                        "waiting for {what} ({state}), {}m{:02}s",
                        waited / 60,
                        waited % 60
                    ));
                }
            }
            self.sleep(what, delay).await?;
            delay = (delay.mul_f32(1.5)).min(Duration::from_secs(10));
        }
    }

    /// Runs `fut` unless the operation's deadline or the engine's cancellation comes first: a hung AWS call
    /// must not outlive either.
    pub async fn bounded<T>(
        &self,
        what: &str,
        fut: impl Future<Output = T>,
    ) -> Result<T, ResourceError> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(ResourceError::Timeout {
                what: what.to_string(),
                after: self.timeout_budget(now),
            });
        }
        tokio::select! {
            r = fut => Ok(r),
            _ = tokio::time::sleep(self.deadline - now) => Err(ResourceError::Timeout {
                what: what.to_string(),
                after: self.timeout_budget(Instant::now()),
            }),
            _ = self.cancel.cancelled() => Err(ResourceError::Cancelled),
        }
    }

    /// Sleeps, unless the deadline or a cancellation comes first.
    pub async fn sleep(&self, what: &str, delay: Duration) -> Result<(), ResourceError> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(ResourceError::Timeout {
                what: what.to_string(),
                after: self.timeout_budget(now),
            });
        }
        let delay = delay.min(self.deadline - now);
        tokio::select! {
            _ = tokio::time::sleep(delay) => Ok(()),
            _ = self.cancel.cancelled() => Err(ResourceError::Cancelled),
        }
    }

    fn timeout_budget(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.deadline)
    }
}

/// One AWS resource kind. Implementations are stateless; all state lives in Pulumi's state file.
///
/// `Inputs` and `Outputs` are serde structs (camelCase on the wire) whose doc comments become schema.json
/// descriptions. The state Pulumi keeps is the union of both, so their property names must not collide.
pub trait CustomResource: Send + Sync + 'static {
    /// Pulumi type token, e.g. `orderapi:ec2:Vpc`.
    const TOKEN: &'static str;
    /// What the kind is, for schema.json.
    const DESCRIPTION: &'static str;
    /// Input properties whose change forces replacement.
    const REPLACE_ON_CHANGES: &'static [&'static str];
    /// Whether the old resource must be deleted before its replacement is created (names AWS keeps unique).
    const DELETE_BEFORE_REPLACE: bool = false;
    /// The inputs that hold what AWS keeps unique (the name) when that is why [`Self::DELETE_BEFORE_REPLACE`] is
    /// set: a replacement that changes one of them to a known new value can coexist with the old object, so it is
    /// created first and the old one deleted after its dependents moved over (no gap, and nothing in use is
    /// deleted from under a dependent).
    const UNIQUE_BY: &'static [&'static str] = &[];
    /// Default time budget of create/update/delete when the program sets no custom timeout.
    const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);
    /// Output properties that are always secret.
    const SECRET_OUTPUTS: &'static [&'static str] = &[];
    /// The version of the state this release records (in the hidden `__stateVersion` output). Raise it when a
    /// recorded field changes meaning or shape, and teach [`CustomResource::migrate`] to bring older states
    /// forward; a field that is only added needs neither (every Inputs/Outputs struct decodes with fields
    /// missing, see `#[serde(default)]`).
    const STATE_VERSION: u32 = 1;

    /// Brings a recorded state (inputs and outputs, plain JSON) written at version `from` to
    /// [`CustomResource::STATE_VERSION`]. States recorded before versioning are version 1.
    fn migrate(
        from: u32,
        state: &mut serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), ResourceError> {
        let _ = (from, state);
        Ok(())
    }

    type Inputs: Serialize + DeserializeOwned + JsonSchema + Clone + Send + Sync + 'static;
    type Outputs: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static;

    /// All validation AWS would do (and more), plus defaults; never calls AWS.
    fn check(ctx: &CheckContext, inputs: Self::Inputs) -> Result<Self::Inputs, Vec<CheckFailure>>;

    /// Creates the resource; returns its id and outputs. A create that fails after AWS has created something
    /// returns [`ResourceError::Partial`] so the engine records it.
    fn create(
        ctx: &Context,
        inputs: &Self::Inputs,
    ) -> impl Future<Output = Result<(String, Self::Outputs), ResourceError>> + Send;

    #[allow(clippy::type_complexity)]
    /// Reads the live resource for refresh and import; `Ok(None)` when it no longer exists. `prior` holds the
    /// inputs Pulumi had (absent on import), for fields AWS cannot return.
    fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&Self::Inputs>,
    ) -> impl Future<Output = Result<Option<(Self::Inputs, Self::Outputs)>, ResourceError>> + Send;

    /// Applies changed inputs in place (only fields outside `REPLACE_ON_CHANGES` change here).
    fn update(
        ctx: &Context,
        id: &str,
        old: &Self::Inputs,
        old_outputs: &Self::Outputs,
        new: &Self::Inputs,
    ) -> impl Future<Output = Result<Self::Outputs, ResourceError>> + Send;

    /// Deletes the resource and waits until AWS has let go of it. Already gone = success.
    fn delete(
        ctx: &Context,
        id: &str,
        inputs: &Self::Inputs,
        outputs: &Self::Outputs,
    ) -> impl Future<Output = Result<(), ResourceError>> + Send;
}

/// The result of Check.
#[derive(Debug, Default)]
pub struct Checked {
    pub inputs: PropertyMap,
    pub failures: Vec<CheckFailure>,
}

/// Kind of change to one property, as Pulumi's detailed diff reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Add,
    AddReplace,
    Delete,
    DeleteReplace,
    Update,
    UpdateReplace,
}

/// The result of Diff.
#[derive(Debug, Default, PartialEq)]
pub struct DiffResult {
    pub changed: Vec<String>,
    pub replaces: Vec<String>,
    pub delete_before_replace: bool,
    pub detailed: BTreeMap<String, ChangeKind>,
}

/// A created/read/updated resource as the engine records it.
#[derive(Debug, Default)]
pub struct Record {
    pub id: String,
    pub state: PropertyMap,
    pub inputs: PropertyMap,
}

/// An operation failure; `partial` holds what the engine must record when AWS already holds something.
#[derive(Debug)]
pub struct OperationError {
    pub error: ResourceError,
    pub partial: Option<Record>,
}

impl From<ResourceError> for OperationError {
    fn from(error: ResourceError) -> Self {
        OperationError {
            error,
            partial: None,
        }
    }
}

/// A kind behind the registry, type-erased.
#[async_trait::async_trait]
pub trait DynResource: Send + Sync {
    fn token(&self) -> &'static str;
    /// The names of the kind's input properties.
    fn input_properties(&self) -> BTreeSet<String>;
    /// [`CustomResource::UNIQUE_BY`].
    fn unique_by(&self) -> &'static [&'static str];
    fn default_timeout(&self) -> Duration;
    /// Adds this kind's resource spec (and nested types) to the schema.
    fn describe(&self, schema: &mut SchemaBuilder);
    fn check(&self, ctx: &CheckContext, news: PropertyMap) -> Checked;
    /// Decodes a recorded state (read, update and delete do this), migrating it first; for the upgrade tests.
    fn decode_state(&self, state: &PropertyMap) -> Result<(), ResourceError>;
    fn diff(&self, olds: &PropertyMap, news: &PropertyMap, ignore_changes: &[String])
    -> DiffResult;
    async fn create(
        &self,
        ctx: &Context,
        inputs: PropertyMap,
        preview: bool,
    ) -> Result<Record, OperationError>;
    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        state: PropertyMap,
        inputs: PropertyMap,
    ) -> Result<Option<Record>, OperationError>;
    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        olds: PropertyMap,
        news: PropertyMap,
        preview: bool,
    ) -> Result<PropertyMap, OperationError>;
    async fn delete(
        &self,
        ctx: &Context,
        id: &str,
        olds: PropertyMap,
    ) -> Result<(), OperationError>;
}

/// The generic adapter from [`CustomResource`] to [`DynResource`].
pub struct Adapter<R>(std::marker::PhantomData<R>);

impl<R: CustomResource> Default for Adapter<R> {
    fn default() -> Self {
        Adapter(std::marker::PhantomData)
    }
}

/// The hidden output holding the version of a recorded state ([`CustomResource::STATE_VERSION`]).
pub const STATE_VERSION_KEY: &str = "__stateVersion";

/// Top-level keys of `m` whose values hold a secret.
fn secret_keys(m: &PropertyMap) -> BTreeSet<String> {
    m.iter()
        .filter(|(_, v)| v.contains_secrets())
        .map(|(k, _)| k.clone())
        .collect()
}

/// Unwraps every value and drops nulls and engine-internal keys (`__…`), so absent and null compare equal.
fn plain(m: &PropertyMap) -> PropertyMap {
    m.iter()
        .filter(|(k, v)| !k.starts_with("__") && !matches!(v, Value::Null))
        .map(|(k, v)| (k.clone(), strip_nulls(v.clone().into_plain())))
        .collect()
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !matches!(v, Value::Null))
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

fn to_json_object(m: &PropertyMap) -> Option<serde_json::Value> {
    Value::Object(m.clone()).to_json()
}

/// Decodes a typed value from a plain property map, naming the offending property on failure.
fn decode<T: DeserializeOwned>(m: &PropertyMap) -> Result<T, CheckFailure> {
    let json = to_json_object(m).ok_or_else(|| CheckFailure::new("", "value is not known yet"))?;
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let property = if path == "." { String::new() } else { path };
        CheckFailure::new(property, e.into_inner().to_string())
    })
}

/// Serializes typed data into a property map (nulls dropped).
fn encode<T: Serialize>(v: &T) -> Result<PropertyMap, ResourceError> {
    match Value::from_serialize(v)
        .map_err(|e| ResourceError::Internal(format!("cannot encode state: {e}")))?
    {
        Value::Object(m) => Ok(plain(&m)),
        _ => Err(ResourceError::Internal(
            "state must encode as an object".into(),
        )),
    }
}

/// Marks `keys` (and the kind's always-secret outputs) secret in `m`.
fn mark_secrets(mut m: PropertyMap, keys: &BTreeSet<String>, always: &[&str]) -> PropertyMap {
    for (k, v) in m.iter_mut() {
        if keys.contains(k) || always.contains(&k.as_str()) {
            *v = std::mem::replace(v, Value::Null).into_secret();
        }
    }
    m
}

impl<R: CustomResource> Adapter<R> {
    /// The failures of `inputs`' known properties when those in `unknown` (top-level keys) are not known yet,
    /// and the known properties with the kind's defaults and normalization applied.
    ///
    /// The unknown ones are replaced by two different stand-ins of their type ([`crate::schema::stand_ins`]) and
    /// the kind's check runs on both. A failure is kept when it names a known property and occurs under both
    /// stand-ins (a rule that relates a known property to an unknown one waits until both are known). The known
    /// properties get the kind's defaults and normalization from a third run without the unknown (optional)
    /// properties, where the stand-in runs that passed agree (a default that depends on an unknown property
    /// waits too), so a preview diffs what `up` will send rather than the raw declaration.
    fn check_known(
        ctx: &CheckContext,
        inputs: &PropertyMap,
        unknown: &BTreeSet<String>,
    ) -> (Vec<CheckFailure>, PropertyMap) {
        let top = |property: &str| {
            property
                .split(['.', '['])
                .next()
                .unwrap_or(property)
                .to_string()
        };
        let run = |variant: u8| -> Option<(Vec<CheckFailure>, PropertyMap)> {
            let mut m = serde_json::Map::new();
            for (k, v) in inputs {
                if !unknown.contains(k) {
                    m.insert(k.clone(), v.to_json()?);
                }
            }
            if variant < 2 {
                m.extend(crate::schema::stand_ins::<R::Inputs>(unknown, variant));
            }
            crate::schema::fill_missing::<R::Inputs>(&mut m);
            let typed: R::Inputs = serde_json::from_value(serde_json::Value::Object(m)).ok()?;
            Some(match R::check(ctx, typed) {
                Ok(normalized) => (vec![], encode(&normalized).unwrap_or_default()),
                Err(fs) => (
                    fs.into_iter()
                        .filter(|f| !unknown.contains(&top(&f.property)))
                        .collect(),
                    PropertyMap::new(),
                ),
            })
        };
        let (Some((fa, na)), Some((fb, nb))) = (run(0), run(1)) else {
            return (vec![], inputs.clone());
        };
        let failures: Vec<CheckFailure> = fa.into_iter().filter(|f| fb.contains(f)).collect();
        let mut merged = inputs.clone();
        if failures.is_empty() {
            // Normalized with the unknown (optional) properties left out, which the kind's rules about them
            // cannot refuse; a property is taken when every run that passed normalized it the same way.
            let absent = run(2)
                .filter(|(f, _)| f.is_empty())
                .map(|(_, n)| n)
                .unwrap_or_default();
            let passed: Vec<&PropertyMap> =
                [&na, &nb].into_iter().filter(|n| !n.is_empty()).collect();
            let base = if absent.is_empty() {
                passed.first().copied()
            } else {
                Some(&absent)
            };
            for (k, v) in base.into_iter().flatten() {
                if !unknown.contains(k) && passed.iter().all(|n| n.get(k) == Some(v)) {
                    merged.insert(k.clone(), v.clone());
                }
            }
        }
        (failures, merged)
    }

    fn input_names() -> BTreeSet<String> {
        property_names::<R::Inputs>()
    }

    fn output_names() -> BTreeSet<String> {
        property_names::<R::Outputs>()
    }

    /// The input part of a state or inputs map, plain.
    fn inputs_of(m: &PropertyMap) -> PropertyMap {
        let names = Self::input_names();
        plain(m)
            .into_iter()
            .filter(|(k, _)| names.contains(k))
            .collect()
    }

    /// The recorded state brought to this release's version (see [`CustomResource::migrate`]), plain.
    fn migrated(state: &PropertyMap) -> Result<PropertyMap, ResourceError> {
        let version = match state.get(STATE_VERSION_KEY).map(|v| v.clone().into_plain()) {
            Some(Value::Number(n)) if n >= 1.0 && n.fract() == 0.0 => n as u32,
            _ => 1,
        };
        let plain_state = plain(state);
        if version > R::STATE_VERSION {
            return Err(ResourceError::Internal(format!(
                "this {} was recorded by a newer pulumi-orderapi (state version {version}, this release reads up \
                 to {}); use that release or a later one",
                R::TOKEN,
                R::STATE_VERSION
            )));
        }
        if version == R::STATE_VERSION {
            return Ok(plain_state);
        }
        let Some(serde_json::Value::Object(mut json)) = to_json_object(&plain_state) else {
            return Err(ResourceError::Internal(
                "the recorded state is not an object".into(),
            ));
        };
        R::migrate(version, &mut json)?;
        match Value::from_json(serde_json::Value::Object(json)) {
            Value::Object(m) => Ok(m),
            _ => Err(ResourceError::Internal(
                "a migrated state must be an object".into(),
            )),
        }
    }

    fn typed_state(state: &PropertyMap) -> Result<(R::Inputs, R::Outputs), ResourceError> {
        let migrated = Self::migrated(state)?;
        if let (Ok(inputs), Ok(outputs)) = (
            decode::<R::Inputs>(&Self::inputs_of(&migrated)),
            decode::<R::Outputs>(&migrated),
        ) {
            return Ok((inputs, outputs));
        }
        // A state recorded before a field existed: fill what it lacks (the schema is built only here, off the
        // common path), then decode again and report what still fails.
        let mut json = match to_json_object(&migrated) {
            Some(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        fill_missing::<R::Inputs>(&mut json);
        fill_missing::<R::Outputs>(&mut json);
        let plain_state = match Value::from_json(serde_json::Value::Object(json)) {
            Value::Object(m) => m,
            _ => migrated,
        };
        let state = &plain_state;
        let inputs = decode::<R::Inputs>(&Self::inputs_of(state)).map_err(|f| {
            ResourceError::Internal(format!(
                "the recorded inputs do not decode ({}: {})",
                f.property, f.reason
            ))
        })?;
        let outputs = decode::<R::Outputs>(&plain_state).map_err(|f| {
            ResourceError::Internal(format!(
                "the recorded outputs do not decode ({}: {})",
                f.property, f.reason
            ))
        })?;
        Ok((inputs, outputs))
    }

    fn state_of(
        inputs: &R::Inputs,
        outputs: &R::Outputs,
        secrets: &BTreeSet<String>,
    ) -> Result<PropertyMap, ResourceError> {
        let mut state = encode(inputs)?;
        state.extend(encode(outputs)?);
        state.insert(
            STATE_VERSION_KEY.to_string(),
            Value::Number(f64::from(R::STATE_VERSION)),
        );
        Ok(mark_secrets(state, secrets, R::SECRET_OUTPUTS))
    }

    fn partial(
        error: ResourceError,
        inputs: &R::Inputs,
        secrets: &BTreeSet<String>,
    ) -> OperationError {
        match error {
            ResourceError::Partial {
                id,
                outputs,
                source,
            } => {
                let mut state = encode(inputs).unwrap_or_default();
                if let serde_json::Value::Object(o) = outputs {
                    for (k, v) in o {
                        if !v.is_null() {
                            state.insert(k, Value::from_json(v));
                        }
                    }
                }
                state.insert(
                    STATE_VERSION_KEY.to_string(),
                    Value::Number(f64::from(R::STATE_VERSION)),
                );
                let state = mark_secrets(state, secrets, R::SECRET_OUTPUTS);
                let inputs = mark_secrets(encode(inputs).unwrap_or_default(), secrets, &[]);
                OperationError {
                    error: *source,
                    partial: Some(Record { id, state, inputs }),
                }
            }
            other => other.into(),
        }
    }
}

#[async_trait::async_trait]
impl<R: CustomResource> DynResource for Adapter<R> {
    fn token(&self) -> &'static str {
        R::TOKEN
    }

    fn input_properties(&self) -> BTreeSet<String> {
        Self::input_names()
    }

    fn unique_by(&self) -> &'static [&'static str] {
        R::UNIQUE_BY
    }

    fn default_timeout(&self) -> Duration {
        R::DEFAULT_TIMEOUT
    }

    fn describe(&self, schema: &mut SchemaBuilder) {
        schema.add_resource::<R::Inputs, R::Outputs>(
            R::TOKEN,
            R::DESCRIPTION,
            R::REPLACE_ON_CHANGES,
            R::SECRET_OUTPUTS,
        );
    }

    fn decode_state(&self, state: &PropertyMap) -> Result<(), ResourceError> {
        Self::typed_state(state).map(|_| ())
    }

    fn check(&self, ctx: &CheckContext, news: PropertyMap) -> Checked {
        let secrets = secret_keys(&news);
        let known = Self::input_names();
        let mut failures: Vec<CheckFailure> = news
            .keys()
            .filter(|k| !k.starts_with("__") && !known.contains(*k))
            .map(|k| {
                let expected: Vec<&str> = known.iter().map(String::as_str).collect();
                CheckFailure::new(
                    k.clone(),
                    format!(
                        "unknown property; {} takes: {}",
                        R::TOKEN,
                        expected.join(", ")
                    ),
                )
            })
            .collect();
        let plain_news = Self::inputs_of(&news);
        let unknown: BTreeSet<String> = plain_news
            .iter()
            .filter(|(_, v)| v.contains_unknowns())
            .map(|(k, _)| k.clone())
            .collect();
        if !unknown.is_empty() {
            // Not everything is known yet (preview): every rule and default of the known properties applies now,
            // the rest when they are known (`up` checks again).
            let (known_failures, normalized) = Self::check_known(ctx, &plain_news, &unknown);
            failures.extend(known_failures);
            let mut inputs = mark_secrets(normalized, &secrets, &[]);
            for key in &unknown {
                if let Some(v) = news.get(key) {
                    inputs.insert(key.clone(), v.clone());
                }
            }
            return Checked { inputs, failures };
        }
        match decode::<R::Inputs>(&plain_news) {
            Err(f) => failures.push(f),
            Ok(typed) if failures.is_empty() => match R::check(ctx, typed) {
                Ok(normalized) => match encode(&normalized) {
                    Ok(m) => {
                        return Checked {
                            inputs: mark_secrets(m, &secrets, &[]),
                            failures,
                        };
                    }
                    Err(e) => failures.push(CheckFailure::new("", e.to_string())),
                },
                Err(fs) => failures.extend(fs),
            },
            Ok(_) => {}
        }
        Checked {
            inputs: news,
            failures,
        }
    }

    fn diff(
        &self,
        olds: &PropertyMap,
        news: &PropertyMap,
        ignore_changes: &[String],
    ) -> DiffResult {
        let old = Self::inputs_of(olds);
        let new = Self::inputs_of(news);
        let mut result = DiffResult::default();
        let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for key in keys {
            if ignore_changes.iter().any(|p| {
                p == key || p.starts_with(&format!("{key}.")) || p.starts_with(&format!("{key}["))
            }) {
                continue;
            }
            let (o, n) = (old.get(key), new.get(key));
            let changed = match (o, n) {
                (Some(o), Some(n)) => n.contains_unknowns() || o != n,
                (None, None) => false,
                _ => true,
            };
            if !changed {
                continue;
            }
            let replace = R::REPLACE_ON_CHANGES.contains(&key.as_str());
            let kind = match (o.is_some(), n.is_some(), replace) {
                (false, _, false) => ChangeKind::Add,
                (false, _, true) => ChangeKind::AddReplace,
                (true, false, false) => ChangeKind::Delete,
                (true, false, true) => ChangeKind::DeleteReplace,
                (true, true, false) => ChangeKind::Update,
                (true, true, true) => ChangeKind::UpdateReplace,
            };
            result.changed.push(key.clone());
            if replace {
                result.replaces.push(key.clone());
            }
            result.detailed.insert(key.clone(), kind);
        }
        // Also when nothing here forces replacement: the engine reads it only when it replaces for another
        // reason (`--replace`, the `replaceOnChanges` option), and such kinds cannot coexist with their successor
        // -- unless the replacement takes a new name, which can.
        let renamed = R::UNIQUE_BY
            .iter()
            .any(|key| match (old.get(*key), new.get(*key)) {
                (Some(o), Some(n)) => !n.contains_unknowns() && o != n,
                _ => false,
            });
        result.delete_before_replace = R::DELETE_BEFORE_REPLACE && !renamed;
        result
    }

    async fn create(
        &self,
        ctx: &Context,
        inputs: PropertyMap,
        preview: bool,
    ) -> Result<Record, OperationError> {
        let secrets = secret_keys(&inputs);
        if preview {
            let mut state = inputs.clone();
            for name in Self::output_names() {
                state.entry(name).or_insert(Value::Unknown);
            }
            return Ok(Record {
                id: String::new(),
                state,
                inputs,
            });
        }
        let typed = decode::<R::Inputs>(&Self::inputs_of(&inputs)).map_err(|f| {
            ResourceError::Internal(format!(
                "inputs do not decode ({}: {})",
                f.property, f.reason
            ))
        })?;
        let (id, outputs) = R::create(ctx, &typed)
            .await
            .map_err(|e| Self::partial(e, &typed, &secrets))?;
        let state = Self::state_of(&typed, &outputs, &secrets)?;
        Ok(Record { id, state, inputs })
    }

    async fn read(
        &self,
        ctx: &Context,
        id: &str,
        state: PropertyMap,
        inputs: PropertyMap,
    ) -> Result<Option<Record>, OperationError> {
        let mut secrets = secret_keys(&state);
        secrets.extend(secret_keys(&inputs));
        let prior_map = if inputs.is_empty() {
            Self::inputs_of(&state)
        } else {
            Self::inputs_of(&inputs)
        };
        let prior = if prior_map.is_empty() {
            None
        } else {
            decode::<R::Inputs>(&prior_map).ok()
        };
        let Some((new_inputs, outputs)) = R::read(ctx, id, prior.as_ref()).await? else {
            return Ok(None);
        };
        let state = Self::state_of(&new_inputs, &outputs, &secrets)?;
        let inputs = mark_secrets(encode(&new_inputs)?, &secrets, &[]);
        Ok(Some(Record {
            id: id.to_string(),
            state,
            inputs,
        }))
    }

    async fn update(
        &self,
        ctx: &Context,
        id: &str,
        olds: PropertyMap,
        news: PropertyMap,
        preview: bool,
    ) -> Result<PropertyMap, OperationError> {
        let secrets = secret_keys(&news);
        if preview {
            let outputs = Self::output_names();
            let mut state = news.clone();
            for (k, v) in olds.iter().filter(|(k, _)| outputs.contains(*k)) {
                state.entry(k.clone()).or_insert_with(|| v.clone());
            }
            return Ok(state);
        }
        let (old_inputs, old_outputs) = Self::typed_state(&olds)?;
        let new_inputs = decode::<R::Inputs>(&Self::inputs_of(&news)).map_err(|f| {
            ResourceError::Internal(format!(
                "inputs do not decode ({}: {})",
                f.property, f.reason
            ))
        })?;
        let outputs = R::update(ctx, id, &old_inputs, &old_outputs, &new_inputs)
            .await
            .map_err(|e| Self::partial(e, &new_inputs, &secrets))?;
        Ok(Self::state_of(&new_inputs, &outputs, &secrets)?)
    }

    async fn delete(
        &self,
        ctx: &Context,
        id: &str,
        olds: PropertyMap,
    ) -> Result<(), OperationError> {
        let (inputs, outputs) = Self::typed_state(&olds)?;
        R::delete(ctx, id, &inputs, &outputs).await?;
        Ok(())
    }
}

/// Every custom resource kind of the package, by token.
#[derive(Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, Arc<dyn DynResource>>,
}

impl Registry {
    pub fn add<R: CustomResource>(&mut self) -> &mut Self {
        self.kinds
            .insert(R::TOKEN, Arc::new(Adapter::<R>::default()));
        self
    }

    pub fn get(&self, token: &str) -> Option<Arc<dyn DynResource>> {
        self.kinds.get(token).cloned()
    }

    pub fn kinds(&self) -> impl Iterator<Item = &Arc<dyn DynResource>> {
        self.kinds.values()
    }

    /// The registry of every kind this provider implements.
    pub fn all() -> Registry {
        let mut r = Registry::default();
        crate::resources::register(&mut r);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct TInputs {
        cidr_block: String,
        port: Option<u16>,
        tags: Option<BTreeMap<String, String>>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct TOutputs {
        arn: String,
    }

    struct T;

    impl CustomResource for T {
        const TOKEN: &'static str = "orderapi:test:T";
        const DESCRIPTION: &'static str = "test kind";
        const REPLACE_ON_CHANGES: &'static [&'static str] = &["cidrBlock"];
        type Inputs = TInputs;
        type Outputs = TOutputs;

        fn check(_: &CheckContext, mut inputs: TInputs) -> Result<TInputs, Vec<CheckFailure>> {
            let mut f = Failures::default();
            f.require(
                inputs.cidr_block.contains('/'),
                "cidrBlock",
                "must be a CIDR block",
            );
            f.require(inputs.port != Some(0), "port", "must be 1-65535");
            f.require(
                inputs.port != Some(8443) || !inputs.cidr_block.is_empty(),
                "port",
                "8443 needs a cidrBlock",
            );
            inputs.port.get_or_insert(80);
            f.finish(inputs)
        }

        async fn create(_: &Context, _: &TInputs) -> Result<(String, TOutputs), ResourceError> {
            Err(ResourceError::Partial {
                id: "t-1".into(),
                outputs: serde_json::json!({"arn": "arn:t-1"}),
                source: Box::new(ResourceError::Internal("tagging failed".into())),
            })
        }

        async fn read(
            _: &Context,
            _: &str,
            _: Option<&TInputs>,
        ) -> Result<Option<(TInputs, TOutputs)>, ResourceError> {
            Ok(None)
        }

        async fn update(
            _: &Context,
            _: &str,
            _: &TInputs,
            o: &TOutputs,
            _: &TInputs,
        ) -> Result<TOutputs, ResourceError> {
            Ok(TOutputs { arn: o.arn.clone() })
        }

        async fn delete(
            _: &Context,
            _: &str,
            _: &TInputs,
            _: &TOutputs,
        ) -> Result<(), ResourceError> {
            Ok(())
        }
    }

    fn props(pairs: &[(&str, Value)]) -> PropertyMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn check_applies_defaults_and_names_the_failing_property() {
        let a = Adapter::<T>::default();
        let ok = a.check(
            &CheckContext::default(),
            props(&[("cidrBlock", "10.0.0.0/16".into())]),
        );
        assert!(ok.failures.is_empty());
        assert_eq!(ok.inputs.get("port"), Some(&Value::Number(80.0)));

        let bad = a.check(
            &CheckContext::default(),
            props(&[("cidrBlock", "nope".into())]),
        );
        assert_eq!(
            bad.failures,
            vec![CheckFailure::new("cidrBlock", "must be a CIDR block")]
        );

        let typo = a.check(
            &CheckContext::default(),
            props(&[
                ("cidrBlock", "10.0.0.0/16".into()),
                ("prot", Value::Number(1.0)),
            ]),
        );
        assert_eq!(typo.failures.len(), 1);
        assert_eq!(typo.failures[0].property, "prot");

        let wrong_type = a.check(
            &CheckContext::default(),
            props(&[("cidrBlock", "10.0.0.0/16".into()), ("port", "x".into())]),
        );
        assert_eq!(wrong_type.failures[0].property, "port");
    }

    #[test]
    fn check_with_unknowns_defers_validation_and_keeps_secrets() {
        let a = Adapter::<T>::default();
        let out = a.check(
            &CheckContext::default(),
            props(&[("cidrBlock", Value::Unknown)]),
        );
        assert!(out.failures.is_empty());
        let secret = a.check(
            &CheckContext::default(),
            props(&[("cidrBlock", Value::Secret(Box::new("10.0.0.0/16".into())))]),
        );
        assert!(matches!(
            secret.inputs.get("cidrBlock"),
            Some(Value::Secret(_))
        ));
    }

    #[test]
    fn rules_of_known_properties_run_while_others_are_unknown() {
        let a = Adapter::<T>::default();
        let ctx = CheckContext::default();
        // cidrBlock is another resource's output, not known at preview; port's own rule still runs.
        let bad_port = a.check(
            &ctx,
            props(&[("cidrBlock", Value::Unknown), ("port", Value::Number(0.0))]),
        );
        assert_eq!(
            bad_port.failures,
            vec![CheckFailure::new("port", "must be 1-65535")]
        );
        // A rule relating port to the unknown cidrBlock waits until both are known.
        let related = a.check(
            &ctx,
            props(&[
                ("cidrBlock", Value::Unknown),
                ("port", Value::Number(8443.0)),
            ]),
        );
        assert!(related.failures.is_empty(), "{:?}", related.failures);
        // Defaults of the known properties apply (port defaults to 80) while tags stay unknown, so preview diffs
        // what up will send.
        let defaulted = a.check(
            &ctx,
            props(&[
                ("cidrBlock", "10.0.0.0/16".into()),
                ("tags", Value::Unknown),
            ]),
        );
        assert!(defaulted.failures.is_empty(), "{:?}", defaulted.failures);
        assert_eq!(defaulted.inputs.get("port"), Some(&Value::Number(80.0)));
        assert_eq!(defaulted.inputs.get("tags"), Some(&Value::Unknown));
        // Once known, it runs.
        let known = a.check(
            &ctx,
            props(&[("cidrBlock", "".into()), ("port", Value::Number(8443.0))]),
        );
        assert!(
            known
                .failures
                .iter()
                .any(|f| f.reason == "8443 needs a cidrBlock"),
            "{:?}",
            known.failures
        );
    }

    #[test]
    fn diff_reports_replacement_only_for_replace_fields() {
        let a = Adapter::<T>::default();
        let olds = props(&[
            ("cidrBlock", "10.0.0.0/16".into()),
            ("port", Value::Number(80.0)),
            ("arn", "arn:x".into()),
        ]);
        let same = a.diff(
            &olds,
            &props(&[
                ("cidrBlock", "10.0.0.0/16".into()),
                ("port", Value::Number(80.0)),
            ]),
            &[],
        );
        assert_eq!(same, DiffResult::default());
        let port = a.diff(
            &olds,
            &props(&[
                ("cidrBlock", "10.0.0.0/16".into()),
                ("port", Value::Number(81.0)),
            ]),
            &[],
        );
        assert_eq!(port.changed, vec!["port"]);
        assert!(port.replaces.is_empty());
        let cidr = a.diff(
            &olds,
            &props(&[("cidrBlock", Value::Unknown), ("port", Value::Number(80.0))]),
            &[],
        );
        assert_eq!(cidr.replaces, vec!["cidrBlock"]);
        assert_eq!(cidr.detailed["cidrBlock"], ChangeKind::UpdateReplace);
        let ignored = a.diff(
            &olds,
            &props(&[
                ("cidrBlock", "10.1.0.0/16".into()),
                ("port", Value::Number(80.0)),
            ]),
            &["cidrBlock".into()],
        );
        assert!(ignored.changed.is_empty());
    }

    #[tokio::test]
    async fn failed_create_reports_partial_state() {
        let a = Adapter::<T>::default();
        let ctx = Context::new(
            Arc::new(Aws::offline()),
            "urn:t",
            Duration::from_secs(5),
            CancellationToken::new(),
        );
        let err = a
            .create(
                &ctx,
                props(&[
                    ("cidrBlock", "10.0.0.0/16".into()),
                    ("port", Value::Number(80.0)),
                ]),
                false,
            )
            .await
            .expect_err("create must fail");
        let partial = err.partial.expect("partial state");
        assert_eq!(partial.id, "t-1");
        assert_eq!(partial.state.get("arn"), Some(&Value::from("arn:t-1")));
        assert_eq!(
            partial.state.get("cidrBlock"),
            Some(&Value::from("10.0.0.0/16"))
        );
    }

    #[tokio::test]
    async fn preview_create_leaves_outputs_unknown() {
        let a = Adapter::<T>::default();
        let ctx = Context::new(
            Arc::new(Aws::offline()),
            "urn:t",
            Duration::from_secs(5),
            CancellationToken::new(),
        );
        let rec = a
            .create(&ctx, props(&[("cidrBlock", "10.0.0.0/16".into())]), true)
            .await
            .expect("preview");
        assert_eq!(rec.state.get("arn"), Some(&Value::Unknown));
    }
}
