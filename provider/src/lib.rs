//! `pulumi-resource-orderapi`: a Pulumi provider that stands up a production order-processing API platform on
//! AWS. The `OrderApiPlatform` component registers custom resources of this same provider (one per AWS resource
//! kind), each implemented through the AWS SDK for Rust. See docs/architecture.md for the architecture.

pub mod arn;
pub mod aws;
pub mod config;
pub mod cost;
pub mod error;
pub mod lifecycle;
pub mod platform;
pub mod resource;
pub mod resources;
pub mod rpc;
pub mod schema;
