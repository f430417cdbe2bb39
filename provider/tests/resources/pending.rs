//! The create-pending marker as the tests see it: a simulated crash, and the check that a create finished.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Tag;
use orderapi::resource::Context;
use orderapi::resources::ec2::{PENDING_TAG, PENDING_VALUE, filter};

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

/// Whether `id` still carries the create-pending marker.
pub async fn is_pending(ctx: &Context, id: &str) -> bool {
    live_tags(ctx, id).await.contains_key(PENDING_TAG)
}

/// Asserts that the create of `id` finished: the marker is gone (and the ownership tag is there).
pub async fn assert_finished(ctx: &Context, id: &str) {
    let tags = live_tags(ctx, id).await;
    assert!(
        !tags.contains_key(PENDING_TAG),
        "{id} still carries {PENDING_TAG}: {tags:?}"
    );
    assert_eq!(
        tags.get("ManagedBy").map(String::as_str),
        Some("pulumi-orderapi"),
        "{id}: {tags:?}"
    );
}

/// Puts the marker back on `id`: exactly what a crash after the create call and before the create's last step
/// (removing the marker) leaves behind.
pub async fn crash_before_finish(ctx: &Context, id: &str) {
    ctx.aws
        .ec2
        .create_tags()
        .resources(id)
        .tags(Tag::builder().key(PENDING_TAG).value(PENDING_VALUE).build())
        .send()
        .await
        .expect("put the marker back");
    assert!(is_pending(ctx, id).await);
}
