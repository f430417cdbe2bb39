//! The resource-monitor client Construct uses: registers the component (with the options the program gave it),
//! its children (parented to it, through the caller's provider), and the component's outputs.

use std::collections::BTreeMap;

use tonic::transport::{Channel, Endpoint};

use super::pulumirpc::{
    ConstructRequest, RegisterResourceOutputsRequest, RegisterResourceRequest,
    register_resource_request::{CustomTimeouts, PropertyDependencies},
    resource_monitor_client::ResourceMonitorClient,
};
use super::value::{PropertyMap, Value, from_opt_struct, to_struct};
use crate::platform::{Child, ChildSpec, Monitor};

/// 400 MiB, as the Go SDK allows.
pub const MAX_MESSAGE_BYTES: usize = 400 * 1024 * 1024;

/// A connection to the engine's resource monitor during one Construct.
pub struct ResourceMonitor {
    client: ResourceMonitorClient<Channel>,
    parent: String,
    provider: String,
    version: String,
}

impl ResourceMonitor {
    /// Connects to `endpoint` (`host:port`).
    pub async fn connect(endpoint: &str, version: &str) -> Result<ResourceMonitor, String> {
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
        let dependencies: Vec<String> = {
            let mut all: Vec<String> = spec.dependencies.values().flatten().cloned().collect();
            all.sort();
            all.dedup();
            all
        };
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
                version: self.version.clone(),
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
