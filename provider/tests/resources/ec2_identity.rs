//! Identity as the EC2 tests see it: the tags AWS holds for an object, the check that a create put this
//! resource's identity on it, and the contexts of a replacement and of another resource.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use orderapi::lifecycle::{IDENTITY_TAG, Recorded};
use orderapi::resource::Context;
use orderapi::resources::ec2::filter;
use tokio_util::sync::CancellationToken;

/// Every tag AWS holds for resource `id`.
pub async fn live_tags(ctx: &Context, id: &str) -> BTreeMap<String, String> {
    let out = ctx
        .aws
        .ec2
        .describe_tags()
        .filters(filter("resource-id", id))
        .send()
        .await
        .expect("describe tags");
    out.tags()
        .iter()
        .filter(|t| t.resource_id() == Some(id))
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Asserts that `id` carries the ownership tag and the identity of `ctx`'s resource (and no create-pending marker:
/// nothing writes it any more).
pub async fn assert_identity(ctx: &Context, id: &str) {
    let tags = live_tags(ctx, id).await;
    assert_eq!(
        tags.get("ManagedBy").map(String::as_str),
        Some("pulumi-orderapi"),
        "{id}: {tags:?}"
    );
    assert_eq!(
        tags.get(IDENTITY_TAG).map(String::as_str),
        Some(ctx.identity.as_str()),
        "{id}: {tags:?}"
    );
    assert!(
        !tags.contains_key("orderapi:create-pending"),
        "{id}: {tags:?}"
    );
}

/// `ctx` as a replacement of `id` sees it: the engine records `id` for the resource.
pub fn replacing(ctx: &Context, id: &str) -> Context {
    ctx.clone()
        .with_recorded(Recorded::Ids(BTreeSet::from([id.to_string()])))
}

/// The context of Pulumi resource `name` (its own URN, so its own identity) on the same emulator. Tests that make
/// several unrelated objects of one kind use one per object: objects made with one context share an identity, and
/// a create adopts whichever of them the engine does not record.
pub fn resource(ctx: &Context, name: &str) -> Context {
    Context::new(
        ctx.aws.clone(),
        format!("urn:pulumi:test::test::orderapi:test:T::{name}"),
        Duration::from_secs(60),
        CancellationToken::new(),
    )
}

/// A context of another Pulumi resource (another URN) on the same emulator.
pub fn other_resource(ctx: &Context) -> Context {
    resource(ctx, "other")
}
