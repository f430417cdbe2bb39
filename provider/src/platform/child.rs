//! How the component declares its children: each child is a [`Handle`] registered the moment the children it
//! references exist, so the engine's graph is exactly the data's and independent branches start at once.
//!
//! A child's inputs are built from its kind ([`Props::of`] takes the kind's type, so its token is never written
//! twice) and may take values from other children's handles: [`Props::id_of`], [`Props::output_of`],
//! [`Props::ids_of`] and [`Props::with`] wait for exactly the children they name and record each as a
//! dependency of the property the value lands in (the engine then creates a child after what it names and
//! deletes it before). [`Props::after`] adds an ordering-only dependency where AWS needs one that no value
//! carries. Nothing is registered in stages: [`Scope::finish`] drives every handle at once, each waiting only on
//! its own references.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared, try_join_all};

use super::args::Settings;
use super::naming::Naming;
use super::{ConstructEnv, Plan};
use crate::resource::{CheckContext, CheckFailure, CustomResource, Registry};
use crate::rpc::value::{PropertyMap, Value};

/// One child to register.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildSpec {
    /// The kind's type token (`R::TOKEN` of the kind the props were built from).
    pub type_token: &'static str,
    /// Logical name (unique in the stack: prefixed with the component's name).
    pub name: String,
    pub inputs: PropertyMap,
    /// For each input property, the URNs of the children its value came from.
    pub dependencies: BTreeMap<String, BTreeSet<String>>,
    /// Children this one must follow although none of its values comes from them.
    pub depends_on: BTreeSet<String>,
}

impl ChildSpec {
    /// Every child this one depends on: its properties' sources and its ordering-only dependencies.
    pub fn all_dependencies(&self) -> BTreeSet<String> {
        self.dependencies
            .values()
            .flatten()
            .chain(&self.depends_on)
            .cloned()
            .collect()
    }
}

/// A registered child as the engine reports it (outputs unknown in preview).
#[derive(Clone, Debug, PartialEq)]
pub struct Child {
    pub urn: String,
    pub id: Value,
    pub outputs: PropertyMap,
}

impl Child {
    /// One of the child's outputs; unknown in preview (or when the kind does not report it).
    pub fn output(&self, name: &str) -> Value {
        match self.outputs.get(name) {
            Some(Value::Null) | None => Value::Unknown,
            Some(v) => v.clone(),
        }
    }
}

/// Where children are registered: the engine's resource monitor, or a recorder in tests.
#[async_trait::async_trait]
pub trait Monitor: Send + Sync {
    async fn register_child(&self, spec: ChildSpec) -> Result<Child, String>;
}

/// A child being registered: cheap to clone, awaited by every child that references it.
#[derive(Clone)]
pub struct Handle<'a> {
    /// The child's logical name.
    pub name: Arc<str>,
    registered: Shared<BoxFuture<'a, Result<Arc<Child>, String>>>,
}

impl std::fmt::Debug for Handle<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("name", &self.name).finish()
    }
}

impl Handle<'_> {
    /// The registered child, once the engine has it.
    pub async fn get(&self) -> Result<Arc<Child>, String> {
        self.registered.clone().await
    }
}

/// Resolves `handles`, in order.
pub async fn resolve(handles: &[Handle<'_>]) -> Result<Vec<Arc<Child>>, String> {
    try_join_all(handles.iter().map(Handle::get)).await
}

type Derive<'a> = Box<dyn FnOnce(&[Arc<Child>]) -> Result<Value, String> + Send + 'a>;

/// A property whose value comes from other children.
struct Deferred<'a> {
    key: String,
    from: Vec<Handle<'a>>,
    value: Derive<'a>,
}

/// One child's inputs, built against its kind.
pub struct Props<'a> {
    /// The kind's type token.
    token: &'static str,
    name: String,
    inputs: PropertyMap,
    deferred: Vec<Deferred<'a>>,
    after: Vec<Handle<'a>>,
    /// Which of the component's arguments each property's value came from (`preferredBackupWindow` ←
    /// `database.backupWindow`), so the kind's rules report against what the user wrote.
    provenance: BTreeMap<String, String>,
}

impl<'a> Props<'a> {
    /// The inputs of a child of kind `R`, registered under the logical `name`.
    pub fn of<R: CustomResource>(name: impl Into<String>) -> Props<'a> {
        Props {
            token: R::TOKEN,
            name: name.into(),
            inputs: PropertyMap::new(),
            deferred: vec![],
            after: vec![],
            provenance: BTreeMap::new(),
        }
    }

    /// Sets a value taken from the component's argument `argument` (its path, e.g. `database.backupWindow`): a
    /// rule of the kind that refuses it is reported against that argument.
    pub fn arg(
        mut self,
        key: &str,
        value: impl Into<Value>,
        argument: impl Into<String>,
    ) -> Props<'a> {
        self.provenance.insert(key.to_string(), argument.into());
        self.set(key, value)
    }

    /// Records that `key`'s value (set before or after) came from the component's argument `argument`.
    pub fn traced(mut self, key: &str, argument: impl Into<String>) -> Props<'a> {
        self.provenance.insert(key.to_string(), argument.into());
        self
    }

    /// The failures the kind's own rules find in the properties known now (the values from other children are
    /// not known until those exist), each named by the component's argument it came from.
    fn failures(&self, registry: &Registry) -> Vec<CheckFailure> {
        let Some(kind) = registry.get(self.token) else {
            return vec![CheckFailure::new(
                "",
                format!(
                    "{}: {} is not a kind of this provider",
                    self.name, self.token
                ),
            )];
        };
        let mut known = self.inputs.clone();
        for d in &self.deferred {
            known.insert(d.key.clone(), Value::Unknown);
        }
        let ctx = CheckContext {
            name: self.name.clone(),
            ..Default::default()
        };
        kind.check(&ctx, known)
            .failures
            .into_iter()
            .map(|f| {
                let top = f.property.split(['.', '[']).next().unwrap_or_default();
                let child = format!("{} {}", self.token, f.property);
                match self.provenance.get(top) {
                    Some(argument) => {
                        CheckFailure::new(argument.clone(), format!("{} (as {child})", f.reason))
                    }
                    None => CheckFailure::new(
                        "",
                        format!(
                            "the platform's {child} ({}) is refused: {}",
                            self.name, f.reason
                        ),
                    ),
                }
            })
            .collect()
    }

    /// Sets a plain value.
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Props<'a> {
        self.inputs.insert(key.to_string(), value.into());
        self
    }

    /// Sets a value computed from the children `from` once they exist (`f` gets them in the same order); a
    /// dependency of `key` on each.
    pub fn try_with(
        mut self,
        key: &str,
        from: &[&Handle<'a>],
        f: impl FnOnce(&[Arc<Child>]) -> Result<Value, String> + Send + 'a,
    ) -> Props<'a> {
        self.deferred.push(Deferred {
            key: key.to_string(),
            from: from.iter().map(|h| (*h).clone()).collect(),
            value: Box::new(f),
        });
        self
    }

    /// Like [`Props::try_with`], for a computation that cannot fail.
    pub fn with(
        self,
        key: &str,
        from: &[&Handle<'a>],
        f: impl FnOnce(&[Arc<Child>]) -> Value + Send + 'a,
    ) -> Props<'a> {
        self.try_with(key, from, move |c| Ok(f(c)))
    }

    /// Sets a value from another child's id.
    pub fn id_of(self, key: &str, child: &Handle<'a>) -> Props<'a> {
        self.with(key, &[child], |c| c[0].id.clone())
    }

    /// Sets a value from another child's output (e.g. its `arn`).
    pub fn output_of(self, key: &str, child: &Handle<'a>, output: &'static str) -> Props<'a> {
        self.with(key, &[child], move |c| c[0].output(output))
    }

    /// Sets a list of other children's ids.
    pub fn ids_of(self, key: &str, children: &[&Handle<'a>]) -> Props<'a> {
        self.with(key, children, ids)
    }

    /// Registers this child only after `children`, although none of its values comes from them.
    pub fn after(mut self, children: &[&Handle<'a>]) -> Props<'a> {
        self.after.extend(children.iter().map(|h| (*h).clone()));
        self
    }

    /// The child's spec once every child it references exists.
    async fn resolve(self) -> Result<ChildSpec, String> {
        let Props {
            token,
            name,
            mut inputs,
            deferred,
            after,
            provenance: _,
        } = self;
        let mut dependencies: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for d in deferred {
            let children = resolve(&d.from).await?;
            if !children.is_empty() {
                dependencies
                    .entry(d.key.clone())
                    .or_default()
                    .extend(children.iter().map(|c| c.urn.clone()));
            }
            let value = (d.value)(&children).map_err(|e| format!("{name}.{}: {e}", d.key))?;
            inputs.insert(d.key, value);
        }
        let depends_on = resolve(&after)
            .await?
            .iter()
            .map(|c| c.urn.clone())
            .collect();
        Ok(ChildSpec {
            type_token: token,
            name,
            inputs,
            dependencies,
            depends_on,
        })
    }
}

/// The ids of `children`, as a list.
pub fn ids(children: &[Arc<Child>]) -> Value {
    Value::Array(children.iter().map(|c| c.id.clone()).collect())
}

/// What every builder declares children with: the monitor, the component's call, the plan and the tags.
pub struct Scope<'a> {
    monitor: &'a dyn Monitor,
    /// The component's URN (diagnostics about the platform attach to it).
    pub urn: &'a str,
    pub env: &'a ConstructEnv,
    pub plan: &'a Plan,
    /// The standard tags as a value, set on every child that takes tags.
    pub tags: Value,
    declared: Mutex<Vec<Handle<'a>>>,
    /// What the kinds' rules refused among the declared children's known properties.
    refused: Mutex<Vec<CheckFailure>>,
    /// The kinds whose rules each declared child is checked with; `None` for a plan already validated.
    registry: Option<Registry>,
}

impl<'a> Scope<'a> {
    /// A scope that checks each declared child with its kind's rules (what [`super::validate`] runs).
    pub fn new(
        monitor: &'a dyn Monitor,
        urn: &'a str,
        env: &'a ConstructEnv,
        plan: &'a Plan,
        tags: Value,
    ) -> Scope<'a> {
        Self::with_registry(monitor, urn, env, plan, tags, Some(Registry::all()))
    }

    /// A scope for a plan [`super::validate`] accepted: its children were checked there, with the same
    /// properties, so they are not checked again.
    pub fn validated(
        monitor: &'a dyn Monitor,
        urn: &'a str,
        env: &'a ConstructEnv,
        plan: &'a Plan,
        tags: Value,
    ) -> Scope<'a> {
        Self::with_registry(monitor, urn, env, plan, tags, None)
    }

    fn with_registry(
        monitor: &'a dyn Monitor,
        urn: &'a str,
        env: &'a ConstructEnv,
        plan: &'a Plan,
        tags: Value,
        registry: Option<Registry>,
    ) -> Scope<'a> {
        Scope {
            monitor,
            urn,
            env,
            plan,
            tags,
            declared: Mutex::new(vec![]),
            refused: Mutex::new(vec![]),
            registry,
        }
    }

    /// Declares one child: it is registered as soon as every child it references exists.
    pub fn register(&self, props: Props<'a>) -> Handle<'a> {
        let failures = self
            .registry
            .as_ref()
            .map(|r| props.failures(r))
            .unwrap_or_default();
        if !failures.is_empty()
            && let Ok(mut refused) = self.refused.lock()
        {
            refused.extend(failures);
        }
        let monitor = self.monitor;
        let name: Arc<str> = props.name.as_str().into();
        let registered = async move {
            let spec = props.resolve().await?;
            monitor.register_child(spec).await.map(Arc::new)
        }
        .boxed()
        .shared();
        let handle = Handle { name, registered };
        if let Ok(mut declared) = self.declared.lock() {
            declared.push(handle.clone());
        }
        handle
    }

    /// Registers every declared child, each as soon as its references exist; the first failure stops the rest.
    /// Nothing is registered when a kind's rules refuse a declared child's known property: the failures come
    /// back, named by the component's arguments, before the first AWS call.
    pub async fn finish(&self) -> Result<(), String> {
        self.refused()?;
        let declared = match self.declared.lock() {
            Ok(d) => d.clone(),
            Err(_) => return Err("construct: the list of declared children is poisoned".into()),
        };
        resolve(&declared).await.map(|_| ())
    }

    /// What the kinds' rules refused among the declared children's known properties, as one message.
    pub fn refused(&self) -> Result<(), String> {
        let refused = self
            .refused
            .lock()
            .map(|r| r.clone())
            .map_err(|_| "construct: the list of refused properties is poisoned".to_string())?;
        if !refused.is_empty() {
            return Err(refused
                .iter()
                .map(|f| {
                    if f.property.is_empty() {
                        f.reason.clone()
                    } else {
                        format!("{}: {}", f.property, f.reason)
                    }
                })
                .collect::<Vec<_>>()
                .join("; "));
        }
        Ok(())
    }

    /// A child's logical (Pulumi) name: `<component>-<part>`, unique within the stack.
    pub fn logical(&self, part: &str) -> String {
        format!("{}-{part}", self.env.name)
    }

    /// Physical names.
    pub fn naming(&self) -> &'a Naming {
        &self.plan.naming
    }

    /// The arguments with defaults filled in.
    pub fn settings(&self) -> &'a Settings {
        &self.plan.settings
    }

    /// The region the platform is deployed to.
    pub fn region(&self) -> &'a str {
        &self.env.aws.region
    }

    /// The CloudWatch namespace of the service's own metrics (`PendingOrders`, errors): `OrderApi/<env>-<suffix>`.
    pub fn metric_namespace(&self) -> String {
        format!(
            "OrderApi/{}-{}",
            self.plan.naming.environment, self.plan.naming.suffix
        )
    }

    /// The SSM path under which the service's configuration lives: `/param-<env>-<suffix>/`.
    pub fn parameter_path(&self) -> String {
        format!("/{}/", self.plan.naming.name("param"))
    }
}
