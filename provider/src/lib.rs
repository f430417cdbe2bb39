//! `pulumi-resource-orderapi`: a Pulumi provider that stands up a production order-processing API platform on
//! AWS. The `OrderApiPlatform` component registers custom resources of this same provider (one per AWS resource
//! kind), each implemented through the AWS SDK for Rust. See DESIGN.md for the architecture.

pub mod aws;
pub mod config;
pub mod error;
pub mod platform;
pub mod resource;
pub mod resources;
pub mod rpc;
pub mod schema;
