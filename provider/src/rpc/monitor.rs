//! The resource-monitor client Construct uses: registers the component (with the options the program gave it),
//! its children (parented to it, through the provider that constructed the component), and the component's outputs.
//!
//! One provider per stack: the engine resolves a resource registered without an explicit provider to the default
//! provider of its package, version *and* plugin download URL. Children therefore carry the key of the default
//! provider that constructed the component ([`DefaultProvider`]), or, when the program passed this package's
//! provider explicitly (ConstructRequest `providers`), that provider's reference.
use std::collections::BTreeMap;

use tonic::transport::{Channel, Endpoint};

use super::pulumirpc::{
    ConstructRequest, RegisterResourceOutputsRequest, RegisterResourceRequest,
    register_resource_request::{CustomTimeouts, PropertyDependencies},
    resource_monitor_client::ResourceMonitorClient,
};
use super::value::{PropertyMap, Value, from_opt_struct, to_struct};
use crate::platform::{Child, ChildSpec, Monitor};

/// Where the SDKs tell the engine to fetch this plugin: schema.json's `pluginDownloadURL` (a test keeps them equal).
pub const PLUGIN_DOWNLOAD_URL: &str = "github://api.github.com/orderapi/pulumi-orderapi";

/// The default provider children are registered against when the program passed none for this package: the one
/// that constructed the component. The engine gives a default provider `version` among its inputs exactly when it
/// was requested with one, and keeps the download URL to itself; every SDK requests the package's version together
/// with the schema's `pluginDownloadURL` (`default_<version>_<url>`), YAML without `options.version` requests
/// neither (`default`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefaultProvider {
    pub version: String,
    pub plugin_download_url: String,
}

impl DefaultProvider {
    /// The key of the default provider configured with `config` (Configure's inputs).
    pub fn from_config(config: &PropertyMap) -> DefaultProvider {
        match config.get("version").and_then(Value::as_str) {
            Some(version) if !version.is_empty() => DefaultProvider {
                version: version.to_string(),
                plugin_download_url: PLUGIN_DOWNLOAD_URL.to_string(),
            },
            _ => DefaultProvider::default(),
        }
    }
}

/// 400 MiB, as the Go SDK allows.
pub const MAX_MESSAGE_BYTES: usize = 400 * 1024 * 1024;

/// A connection to the engine's resource monitor during one Construct.
pub struct ResourceMonitor {
    client: ResourceMonitorClient<Channel>,
    parent: String,
    provider: String,
    version: String,
    default_provider: DefaultProvider,
}

impl ResourceMonitor {
    /// Connects to `endpoint` (`host:port`); children without an explicit provider use `default_provider`.
    pub async fn connect(
        endpoint: &str,
        version: &str,
        default_provider: DefaultProvider,
    ) -> Result<ResourceMonitor, String> {
        let channel = Endpoint::from_shared(format!("http://{endpoint}"))
            .map_err(|e| format!("invalid monitor endpoint '{endpoint}': {e}"))?
            .connect()
            .await
            .map_err(|e| format!("cannot reach the resource monitor at {endpoint}: {e}"))?;
        let client = ResourceMonitorClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(ResourceMonitor {
            client,
            parent: String::new(),
            provider: String::new(),
            version: version.to_string(),
            default_provider,
        })
    }

    /// Registers the component itself with every option the program set on it; children registered afterwards
    /// are parented to it and use the provider the program chose for this package.
    pub async fn register_component(
        &mut self,
        req: &ConstructRequest,
        package: &str,
    ) -> Result<String, String> {
        let custom_timeouts = req.custom_timeouts.as_ref().map(|t| CustomTimeouts {
            create: t.create.clone(),
            update: t.update.clone(),
            delete: t.delete.clone(),
            read: t.read.clone(),
        });
        let resp = self
            .client
            .register_resource(RegisterResourceRequest {
                r#type: req.r#type.clone(),
                name: req.name.clone(),
                parent: req.parent.clone(),
                custom: false,
                object: Some(prost_types::Struct::default()),
                protect: req.protect,
                dependencies: req.dependencies.clone(),
                providers: req.providers.clone(),
                aliases: req.aliases.clone(),
                alias_specs: true,
                accept_secrets: true,
                accept_resources: true,
                additional_secret_outputs: req.additional_secret_outputs.clone(),
                custom_timeouts,
                retain_on_delete: req.retain_on_delete,
                deleted_with: req.deleted_with.clone(),
                ignore_changes: req.ignore_changes.clone(),
                version: self.version.clone(),
                ..Default::default()
            })
            .await
            .map_err(|s| format!("registering the component failed: {}", s.message()))?
            .into_inner();
        self.parent = resp.urn.clone();
        self.provider = req.providers.get(package).cloned().unwrap_or_default();
        Ok(resp.urn)
    }

    /// Registers the component's outputs.
    pub async fn register_outputs(&self, urn: &str, outputs: &PropertyMap) -> Result<(), String> {
        self.client
            .clone()
            .register_resource_outputs(RegisterResourceOutputsRequest {
                urn: urn.to_string(),
                outputs: Some(to_struct(outputs)),
            })
            .await
            .map_err(|s| {
                format!(
                    "registering the component's outputs failed: {}",
                    s.message()
                )
            })?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Monitor for ResourceMonitor {
    async fn register_child(&self, spec: ChildSpec) -> Result<Child, String> {
        // Sorted and without duplicates (a set).
        let dependencies: Vec<String> = spec.all_dependencies().into_iter().collect();
        let property_dependencies: BTreeMap<String, PropertyDependencies> = spec
            .dependencies
            .iter()
            .map(|(k, urns)| {
                (
                    k.clone(),
                    PropertyDependencies {
                        urns: urns.iter().cloned().collect(),
                    },
                )
            })
            .collect();
        // An explicit provider is used as given; otherwise the constructing default provider's key.
        let (version, plugin_download_url) = if self.provider.is_empty() {
            (
                self.default_provider.version.clone(),
                self.default_provider.plugin_download_url.clone(),
            )
        } else {
            (String::new(), String::new())
        };
        let resp = self
            .client
            .clone()
            .register_resource(RegisterResourceRequest {
                r#type: spec.type_token.to_string(),
                name: spec.name.clone(),
                parent: self.parent.clone(),
                custom: true,
                object: Some(to_struct(&spec.inputs)),
                dependencies,
                property_dependencies: property_dependencies.into_iter().collect(),
                provider: self.provider.clone(),
                version,
                plugin_download_url,
                accept_secrets: true,
                accept_resources: true,
                supports_partial_values: true,
                ..Default::default()
            })
            .await
            .map_err(|s| format!("{} '{}': {}", spec.type_token, spec.name, s.message()))?
            .into_inner();
        let id = if resp.id.is_empty() {
            Value::Unknown
        } else {
            Value::String(resp.id)
        };
        Ok(Child {
            urn: resp.urn,
            id,
            outputs: from_opt_struct(resp.object),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use tokio_stream::wrappers::TcpListenerStream;
    use tonic::{Request, Response, Status};

    use super::super::pulumirpc::{
        RegisterResourceResponse,
        resource_monitor_server::{ResourceMonitor as MonitorService, ResourceMonitorServer},
    };
    use super::*;
    use crate::rpc::value::PropertyMap;

    /// A resource monitor that records every RegisterResource and answers with a URN.
    #[derive(Clone, Default)]
    struct Recording(Arc<Mutex<Vec<RegisterResourceRequest>>>);

    #[tonic::async_trait]
    impl MonitorService for Recording {
        async fn register_resource(
            &self,
            request: Request<RegisterResourceRequest>,
        ) -> Result<Response<RegisterResourceResponse>, Status> {
            let req = request.into_inner();
            let urn = format!("urn:pulumi:s::p::{}::{}", req.r#type, req.name);
            self.0.lock().unwrap().push(req);
            Ok(Response::new(RegisterResourceResponse {
                urn,
                ..Default::default()
            }))
        }
    }

    /// Constructs through a recording monitor with `providers` as the program gave them; returns what the
    /// component and one child were registered with.
    async fn construct_with(
        providers: HashMap<String, String>,
        default_provider: DefaultProvider,
    ) -> (RegisterResourceRequest, RegisterResourceRequest) {
        let recording = Recording::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(ResourceMonitorServer::new(recording.clone()))
                .serve_with_incoming(TcpListenerStream::new(listener)),
        );
        let mut monitor = ResourceMonitor::connect(&address.to_string(), "0.1.0", default_provider)
            .await
            .unwrap();
        let req = ConstructRequest {
            r#type: "orderapi:index:OrderApiPlatform".into(),
            name: "orders".into(),
            providers,
            ..Default::default()
        };
        monitor.register_component(&req, "orderapi").await.unwrap();
        let child = monitor
            .register_child(ChildSpec {
                type_token:
                    <crate::resources::ec2::vpc::Vpc as crate::resource::CustomResource>::TOKEN,
                name: "orders-vpc".into(),
                inputs: PropertyMap::new(),
                dependencies: BTreeMap::new(),
                depends_on: Default::default(),
            })
            .await
            .unwrap();
        assert_eq!(child.urn, "urn:pulumi:s::p::orderapi:ec2:Vpc::orders-vpc");
        server.abort();
        let mut seen = recording.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 2, "{seen:?}");
        let child = seen.pop().unwrap();
        (seen.pop().unwrap(), child)
    }

    fn configured(pairs: &[(&str, &str)]) -> DefaultProvider {
        DefaultProvider::from_config(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect(),
        )
    }

    #[tokio::test]
    async fn children_use_the_sdks_default_provider() {
        // Every SDK requests (orderapi, 0.1.0, the schema's pluginDownloadURL): the engine configures that provider
        // with `version` among its inputs.
        let sdk = configured(&[("version", "0.1.0"), ("region", "us-east-1")]);
        let (component, child) = construct_with(HashMap::new(), sdk).await;
        assert!(!component.custom && component.providers.is_empty());
        assert_eq!(
            child.parent,
            "urn:pulumi:s::p::orderapi:index:OrderApiPlatform::orders"
        );
        assert!(child.custom);
        assert_eq!(child.provider, "");
        assert_eq!(child.version, "0.1.0");
        assert_eq!(child.plugin_download_url, PLUGIN_DOWNLOAD_URL);
    }

    #[tokio::test]
    async fn children_use_an_unversioned_default_provider_as_yaml_requests_it() {
        // YAML without `options.version`: the default provider `default`, configured without `version`.
        let yaml = configured(&[("region", "us-east-1")]);
        assert_eq!(yaml, DefaultProvider::default());
        let (_, child) = construct_with(HashMap::new(), yaml).await;
        assert_eq!((child.provider.as_str(), child.version.as_str()), ("", ""));
        assert_eq!(child.plugin_download_url, "");
    }

    #[tokio::test]
    async fn children_use_an_explicit_provider_as_given() {
        let reference = "urn:pulumi:s::p::pulumi:providers:orderapi::mine::04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        let providers = HashMap::from([
            ("orderapi".to_string(), reference.to_string()),
            (
                "aws".to_string(),
                "urn:pulumi:s::p::pulumi:providers:aws::a::id".to_string(),
            ),
        ]);
        let (component, child) =
            construct_with(providers.clone(), configured(&[("version", "0.1.0")])).await;
        assert_eq!(component.providers, providers);
        assert_eq!(child.provider, reference);
        assert_eq!(
            (child.version.as_str(), child.plugin_download_url.as_str()),
            ("", ""),
            "an explicit provider needs no default provider key"
        );
    }

    #[test]
    fn the_download_url_is_the_schemas() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../schema.json")).unwrap();
        assert_eq!(schema["pluginDownloadURL"], PLUGIN_DOWNLOAD_URL);
    }
}
