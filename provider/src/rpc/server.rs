//! The ResourceProvider service: decodes each request, dispatches to the registry (custom resources) or the
//! platform (Construct), and encodes the answer. AWS types never appear here.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::engine::EngineLog;
use super::monitor::{DefaultProvider, ResourceMonitor};
use super::pulumirpc::{
    self, CheckRequest, CheckResponse, ConfigureRequest, ConfigureResponse, ConstructRequest,
    ConstructResponse, CreateRequest, CreateResponse, DeleteRequest, DiffRequest, DiffResponse,
    GetSchemaRequest, GetSchemaResponse, PluginAttach, PluginInfo, PropertyDiff,
    ProviderHandshakeRequest, ProviderHandshakeResponse, ReadRequest, ReadResponse, UpdateRequest,
    UpdateResponse, diff_response::DiffChanges, property_diff::Kind,
    resource_provider_server::ResourceProvider,
};
use super::status::init_failed;
use super::value::{PropertyMap, Value, from_opt_struct, to_struct};
use crate::aws::{Aws, ProviderConfig};
use crate::config::decode_config;
use crate::lifecycle::Ledger;
use crate::platform;
use crate::resource::{
    ChangeKind, CheckContext, CheckFailure, Context, Diagnostics, DiffResult, DynResource,
    NoDiagnostics, OperationError, Registry,
};
use crate::schema::{PACKAGE, VERSION, package_schema_text};

/// The provider's server state.
pub struct Provider {
    registry: Arc<Registry>,
    /// Built on first GetSchema, off the start-up path.
    schema: std::sync::OnceLock<String>,
    engine: RwLock<Option<EngineLog>>,
    aws: RwLock<Option<Arc<Aws>>>,
    cancel: CancellationToken,
    /// What the engine records per URN, learned from this deployment's requests (decides what a create adopts).
    ledger: Ledger,
    /// Which default provider this process is (learned in Configure): Construct registers children against it.
    default_provider: RwLock<DefaultProvider>,
}

impl Provider {
    /// A provider that logs to the engine at `engine_address` (none in attach mode until Attach).
    pub fn new(engine_address: Option<&str>) -> Result<Provider, String> {
        let registry = Registry::all();
        let engine = engine_address.map(EngineLog::connect).transpose()?;
        Ok(Provider {
            registry: Arc::new(registry),
            schema: std::sync::OnceLock::new(),
            engine: RwLock::new(engine),
            aws: RwLock::new(None),
            cancel: CancellationToken::new(),
            ledger: Ledger::default(),
            default_provider: RwLock::new(DefaultProvider::default()),
        })
    }

    fn diagnostics(&self) -> Arc<dyn Diagnostics> {
        match self.engine.read().ok().and_then(|e| e.clone()) {
            Some(e) => Arc::new(e),
            None => Arc::new(NoDiagnostics),
        }
    }

    fn kind(&self, urn: &str) -> Result<Arc<dyn DynResource>, Status> {
        let token = type_of(urn);
        self.registry.get(token).ok_or_else(|| {
            Status::invalid_argument(format!("unknown resource type '{token}' (from {urn})"))
        })
    }

    fn aws(&self) -> Result<Arc<Aws>, Status> {
        self.aws.read().ok().and_then(|a| a.clone()).ok_or_else(|| {
            Status::failed_precondition("the orderapi provider has not been configured")
        })
    }

    fn context(&self, urn: &str, timeout_secs: f64, default: Duration) -> Result<Context, Status> {
        let timeout = if timeout_secs > 0.0 {
            Duration::from_secs_f64(timeout_secs)
        } else {
            default
        };
        Ok(
            Context::new(self.aws()?, urn, timeout, self.cancel.child_token())
                .with_recorded(self.ledger.get(urn))
                .with_diagnostics(self.diagnostics()),
        )
    }
}

impl Provider {
    /// The context of a Create or Update: a preview never reaches AWS (offline clients, no time budget).
    fn mutation_context(
        &self,
        urn: &str,
        preview: bool,
        timeout_secs: f64,
        kind: &dyn DynResource,
    ) -> Result<Context, Status> {
        if preview {
            return Ok(Context::new(
                Arc::new(Aws::offline()),
                urn,
                Duration::ZERO,
                self.cancel.child_token(),
            ));
        }
        self.context(urn, timeout_secs, kind.default_timeout())
    }
}

/// The type token of a URN (`urn:pulumi:stack::project::parent$type::name` → `type`).
fn type_of(urn: &str) -> &str {
    let qualified = urn.split("::").nth(2).unwrap_or("");
    qualified.rsplit('$').next().unwrap_or(qualified)
}

/// The logical name of a URN.
fn name_of(urn: &str) -> &str {
    urn.split("::").nth(3).unwrap_or(urn)
}

/// Maps an operation failure to a status naming the resource; half-way creates carry partial state.
fn operation_status(urn: &str, verb: &str, err: OperationError) -> Status {
    let message = format!("{verb} {} '{}': {}", type_of(urn), name_of(urn), err.error);
    match err.partial {
        Some(p) => init_failed(message, &p.id, &p.state, &p.inputs),
        None => Status::unknown(message),
    }
}

fn failures(fs: Vec<CheckFailure>) -> Vec<pulumirpc::CheckFailure> {
    fs.into_iter()
        .map(|f| pulumirpc::CheckFailure {
            property: f.property,
            reason: f.reason,
        })
        .collect()
}

fn diff_response(d: DiffResult) -> DiffResponse {
    let detailed: HashMap<String, PropertyDiff> = d
        .detailed
        .into_iter()
        .map(|(k, kind)| {
            let kind = match kind {
                ChangeKind::Add => Kind::Add,
                ChangeKind::AddReplace => Kind::AddReplace,
                ChangeKind::Delete => Kind::Delete,
                ChangeKind::DeleteReplace => Kind::DeleteReplace,
                ChangeKind::Update => Kind::Update,
                ChangeKind::UpdateReplace => Kind::UpdateReplace,
            };
            (
                k,
                PropertyDiff {
                    kind: kind as i32,
                    input_diff: true,
                },
            )
        })
        .collect();
    DiffResponse {
        changes: if d.changed.is_empty() {
            DiffChanges::DiffNone
        } else {
            DiffChanges::DiffSome
        } as i32,
        replaces: d.replaces,
        diffs: d.changed,
        delete_before_replace: d.delete_before_replace,
        detailed_diff: detailed,
        has_detailed_diff: true,
        stables: Vec::new(),
    }
}

/// Provider config from Configure: typed args (current engines) or the deprecated string variables.
fn config_map(
    args: Option<prost_types::Struct>,
    variables: &HashMap<String, String>,
) -> PropertyMap {
    match args {
        Some(a) if !a.fields.is_empty() => from_opt_struct(Some(a)),
        _ => variables
            .iter()
            .map(|(k, v)| {
                let key = k.rsplit(':').next().unwrap_or(k).to_string();
                (key, Value::String(v.clone()))
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl ResourceProvider for Provider {
    async fn handshake(
        &self,
        request: Request<ProviderHandshakeRequest>,
    ) -> Result<Response<ProviderHandshakeResponse>, Status> {
        let req = request.into_inner();
        if !req.engine_address.is_empty() {
            let log = EngineLog::connect(&req.engine_address).map_err(Status::invalid_argument)?;
            if let Ok(mut e) = self.engine.write() {
                *e = Some(log);
            }
        }
        Ok(Response::new(ProviderHandshakeResponse {
            accept_secrets: true,
            accept_resources: true,
            accept_outputs: true,
            supports_autonaming_configuration: false,
            ..Default::default()
        }))
    }

    async fn get_schema(
        &self,
        request: Request<GetSchemaRequest>,
    ) -> Result<Response<GetSchemaResponse>, Status> {
        let req = request.into_inner();
        if !req.subpackage_name.is_empty() {
            return Err(Status::not_found(format!(
                "the orderapi provider has no subpackage '{}'",
                req.subpackage_name
            )));
        }
        Ok(Response::new(GetSchemaResponse {
            schema: self
                .schema
                .get_or_init(|| package_schema_text(&self.registry))
                .clone(),
        }))
    }

    async fn check_config(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let req = request.into_inner();
        let news = from_opt_struct(req.news.clone());
        let failures = match decode_config(&news) {
            Ok(Some(config)) => config.validate().err().unwrap_or_default(),
            Ok(None) => Vec::new(),
            Err(fs) => fs,
        };
        Ok(Response::new(CheckResponse {
            inputs: req.news,
            failures: self::failures(failures),
        }))
    }

    async fn diff_config(
        &self,
        request: Request<DiffRequest>,
    ) -> Result<Response<DiffResponse>, Status> {
        let req = request.into_inner();
        let olds = from_opt_struct(req.old_inputs.or(req.olds));
        let news = from_opt_struct(req.news);
        let mut d = DiffResult::default();
        let keys: std::collections::BTreeSet<&String> = olds
            .keys()
            .chain(news.keys())
            .filter(|k| k.as_str() != "version")
            .collect();
        for key in keys {
            let (o, n) = (
                olds.get(key).map(|v| v.clone().into_plain()),
                news.get(key).map(|v| v.clone().into_plain()),
            );
            if o == n && !n.as_ref().is_some_and(Value::contains_unknowns) {
                continue;
            }
            // Another region means every resource lives elsewhere: replace. Credentials (profile) and the
            // endpoint may change for the same account (a renamed profile, a moved emulator), as in pulumi-aws.
            let replace = key == "region";
            d.changed.push(key.clone());
            d.detailed.insert(
                key.clone(),
                if replace {
                    ChangeKind::UpdateReplace
                } else {
                    ChangeKind::Update
                },
            );
            if replace {
                d.replaces.push(key.clone());
            }
        }
        Ok(Response::new(diff_response(d)))
    }

    async fn configure(
        &self,
        request: Request<ConfigureRequest>,
    ) -> Result<Response<ConfigureResponse>, Status> {
        let req = request.into_inner();
        let map = config_map(req.args, &req.variables);
        if let Ok(mut slot) = self.default_provider.write() {
            *slot = DefaultProvider::from_config(&map);
        }
        let config: Option<ProviderConfig> = decode_config(&map).map_err(|fs| {
            let detail: Vec<String> = fs
                .iter()
                .map(|f| format!("orderapi:{}: {}", f.property, f.reason))
                .collect();
            Status::invalid_argument(format!(
                "invalid provider configuration: {}",
                detail.join("; ")
            ))
        })?;
        // Unknown configuration (preview of a provider whose config is computed) is configured at `up`.
        if let Some(config) = config {
            let aws = Aws::connect(&config)
                .await
                .map_err(Status::failed_precondition)?;
            if let Ok(mut slot) = self.aws.write() {
                *slot = Some(Arc::new(aws));
            }
        }
        Ok(Response::new(ConfigureResponse {
            accept_secrets: true,
            supports_preview: true,
            accept_resources: true,
            accept_outputs: true,
            supports_autonaming_configuration: false,
        }))
    }

    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let req = request.into_inner();
        let kind = self.kind(&req.urn)?;
        let mut olds = from_opt_struct(req.olds);
        self.ledger.checked(&req.urn, !olds.is_empty());
        let prior_name = olds
            .remove("name")
            .and_then(|v| v.into_plain().as_str().map(str::to_string));
        let ctx = CheckContext {
            name: name_of(&req.urn).to_string(),
            random_seed: req.random_seed,
            prior_name,
        };
        let checked = kind.check(&ctx, from_opt_struct(req.news));
        Ok(Response::new(CheckResponse {
            inputs: Some(to_struct(&checked.inputs)),
            failures: failures(checked.failures),
        }))
    }

    async fn diff(&self, request: Request<DiffRequest>) -> Result<Response<DiffResponse>, Status> {
        let req = request.into_inner();
        let kind = self.kind(&req.urn)?;
        self.ledger.records(&req.urn, &req.id);
        let d = kind.diff(
            &from_opt_struct(req.olds),
            &from_opt_struct(req.news),
            &req.ignore_changes,
        );
        Ok(Response::new(diff_response(d)))
    }

    async fn create(
        &self,
        request: Request<CreateRequest>,
    ) -> Result<Response<CreateResponse>, Status> {
        let req = request.into_inner();
        let kind = self.kind(&req.urn)?;
        let props = from_opt_struct(req.properties);
        let ctx = self.mutation_context(&req.urn, req.preview, req.timeout, kind.as_ref())?;
        let rec = kind
            .create(&ctx, props, req.preview)
            .await
            .map_err(|e| operation_status(&req.urn, "creating", e))?;
        if !req.preview {
            self.ledger.records(&req.urn, &rec.id);
        }
        Ok(Response::new(CreateResponse {
            id: rec.id,
            properties: Some(to_struct(&rec.state)),
            refresh_before_update: false,
        }))
    }

    async fn read(&self, request: Request<ReadRequest>) -> Result<Response<ReadResponse>, Status> {
        let req = request.into_inner();
        let kind = self.kind(&req.urn)?;
        self.ledger.records(&req.urn, &req.id);
        let ctx = self.context(&req.urn, req.timeout, kind.default_timeout())?;
        let found = kind
            .read(
                &ctx,
                &req.id,
                from_opt_struct(req.properties),
                from_opt_struct(req.inputs),
            )
            .await
            .map_err(|e| operation_status(&req.urn, "reading", e))?;
        Ok(Response::new(match found {
            Some(rec) => ReadResponse {
                id: rec.id,
                properties: Some(to_struct(&rec.state)),
                inputs: Some(to_struct(&rec.inputs)),
                refresh_before_update: false,
            },
            None => ReadResponse::default(),
        }))
    }

    async fn update(
        &self,
        request: Request<UpdateRequest>,
    ) -> Result<Response<UpdateResponse>, Status> {
        let req = request.into_inner();
        let kind = self.kind(&req.urn)?;
        self.ledger.records(&req.urn, &req.id);
        let ctx = self.mutation_context(&req.urn, req.preview, req.timeout, kind.as_ref())?;
        let state = kind
            .update(
                &ctx,
                &req.id,
                from_opt_struct(req.olds),
                from_opt_struct(req.news),
                req.preview,
            )
            .await
            .map_err(|e| operation_status(&req.urn, "updating", e))?;
        Ok(Response::new(UpdateResponse {
            properties: Some(to_struct(&state)),
            refresh_before_update: false,
        }))
    }

    async fn delete(&self, request: Request<DeleteRequest>) -> Result<Response<()>, Status> {
        let req = request.into_inner();
        let kind = self.kind(&req.urn)?;
        self.ledger.records(&req.urn, &req.id);
        let ctx = self.context(&req.urn, req.timeout, kind.default_timeout())?;
        kind.delete(&ctx, &req.id, from_opt_struct(req.properties))
            .await
            .map_err(|e| operation_status(&req.urn, "deleting", e))?;
        Ok(Response::new(()))
    }

    async fn construct(
        &self,
        request: Request<ConstructRequest>,
    ) -> Result<Response<ConstructResponse>, Status> {
        let req = request.into_inner();
        if req.r#type != platform::TOKEN {
            return Err(Status::invalid_argument(format!(
                "unknown component type '{}'",
                req.r#type
            )));
        }
        let inputs = from_opt_struct(req.inputs.clone());
        // Validate before anything is registered: bad input never reaches AWS.
        let args = platform::PlatformArgs::from_inputs(&inputs).map_err(|fs| {
            let detail: Vec<String> = fs
                .iter()
                .map(|f| format!("{}: {}", f.property, f.reason))
                .collect();
            Status::invalid_argument(format!(
                "{} '{}' has invalid inputs: {}",
                platform::TOKEN,
                req.name,
                detail.join("; ")
            ))
        })?;
        let aws = self.aws()?;
        let default_provider = self
            .default_provider
            .read()
            .map(|d| d.clone())
            .unwrap_or_default();
        let mut monitor =
            ResourceMonitor::connect(&req.monitor_endpoint, VERSION, default_provider)
                .await
                .map_err(Status::unavailable)?;
        let env = platform::ConstructEnv {
            name: req.name.clone(),
            dry_run: req.dry_run,
            aws,
            diagnostics: self.diagnostics(),
        };
        // Resolve what needs AWS (the region's availability zones) before registering, so a failure creates nothing.
        let plan = platform::plan(&env, args).await.map_err(|e| {
            Status::failed_precondition(format!("{} '{}': {e}", platform::TOKEN, req.name))
        })?;
        let validated = platform::validate(&env, plan).map_err(|e| {
            Status::invalid_argument(format!(
                "{} '{}' has invalid inputs: {e}",
                platform::TOKEN,
                req.name
            ))
        })?;
        let urn = monitor
            .register_component(&req, PACKAGE)
            .await
            .map_err(Status::unknown)?;
        let built = platform::construct(&monitor, &env, &urn, validated)
            .await
            .map_err(|e| Status::unknown(format!("{} '{}': {e}", platform::TOKEN, req.name)))?;
        monitor
            .register_outputs(&urn, &built.outputs)
            .await
            .map_err(Status::unknown)?;
        let state_dependencies: HashMap<
            String,
            pulumirpc::construct_response::PropertyDependencies,
        > = built
            .dependencies
            .into_iter()
            .map(|(k, urns)| {
                (
                    k,
                    pulumirpc::construct_response::PropertyDependencies {
                        urns: urns.into_iter().collect(),
                    },
                )
            })
            .collect();
        Ok(Response::new(ConstructResponse {
            urn,
            state: Some(to_struct(&built.outputs)),
            state_dependencies,
        }))
    }

    async fn cancel(&self, _: Request<()>) -> Result<Response<()>, Status> {
        self.cancel.cancel();
        Ok(Response::new(()))
    }

    async fn get_plugin_info(&self, _: Request<()>) -> Result<Response<PluginInfo>, Status> {
        Ok(Response::new(PluginInfo {
            version: VERSION.to_string(),
        }))
    }

    async fn attach(&self, request: Request<PluginAttach>) -> Result<Response<()>, Status> {
        let address = request.into_inner().address;
        let log = EngineLog::connect(&address).map_err(Status::invalid_argument)?;
        if let Ok(mut e) = self.engine.write() {
            *e = Some(log);
        }
        Ok(Response::new(()))
    }
}

/// Unused-import guard for BTreeMap in signatures that may grow.
#[allow(dead_code)]
type Tags = BTreeMap<String, String>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urn_parts() {
        let urn =
            "urn:pulumi:dev::proj::orderapi:index:OrderApiPlatform$orderapi:ec2:Vpc::orders-vpc";
        assert_eq!(type_of(urn), "orderapi:ec2:Vpc");
        assert_eq!(name_of(urn), "orders-vpc");
        assert_eq!(
            type_of("urn:pulumi:dev::proj::orderapi:ec2:Subnet::a"),
            "orderapi:ec2:Subnet"
        );
    }
}
