//! `orderapi:sns:Topic` — an SNS topic with its subscriptions (managed authoritatively) and an optional KMS key.
//! Names are unique per region (CreateTopic answers a repeated call with the same topic): a create that finds the
//! topic it is about to make adopts it only when it is the orphan of an interrupted create of this resource (see
//! [`crate::lifecycle`]).

use crate::arn::is_email;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{SnsTags, check_tags, find_topic, is_arn_of, live_tags, sns_tags};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_and_wait};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// The protocols a subscription may use.
pub const PROTOCOLS: &[&str] = &["email", "https", "lambda", "sqs"];

/// What SNS reports as the ARN of an email subscription nobody has confirmed yet.
pub const PENDING_CONFIRMATION: &str = "PendingConfirmation";

/// One subscription of the topic.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicSubscription {
    /// `email`, `https`, `sqs` or `lambda`.
    pub protocol: String,
    /// Where messages go: an email address, an `https://` URL, an SQS queue ARN or a Lambda function ARN.
    pub endpoint: String,
}

/// Inputs of a topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicInputs {
    /// Topic name (1-256 characters of `A-Za-z0-9_-`; a FIFO topic's name ends in `.fifo`). Defaults to the
    /// resource name plus a random suffix. Changing it replaces the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the topic is a FIFO topic (default false). Changing it replaces the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fifo_topic: Option<bool>,
    /// KMS key (id, ARN or alias) that encrypts messages at rest, e.g. `alias/aws/sns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
    /// The topic's subscriptions, managed authoritatively: subscriptions not listed here are removed. An email
    /// subscription stays pending until the recipient confirms it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<Vec<TopicSubscription>>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a topic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicOutputs {
    /// The topic's ARN (also its id).
    pub arn: String,
    /// The subscriptions' ARNs, in the order of the sorted `subscriptions`; `PendingConfirmation` for an email
    /// subscription not yet confirmed.
    pub subscription_arns: Vec<String>,
    /// Every tag on the topic, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Topic;

fn is_topic_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_https_url(s: &str) -> bool {
    s.strip_prefix("https://").is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !rest.chars().any(char::is_whitespace)
    })
}

/// Validates one subscription's endpoint for its protocol; the reason when it is wrong.
fn endpoint_problem(s: &TopicSubscription) -> Option<String> {
    let ok = match s.protocol.as_str() {
        "email" => is_email(&s.endpoint),
        "https" => is_https_url(&s.endpoint),
        "sqs" => is_arn_of(&s.endpoint, "sqs", |r| !r.contains(':') && r.len() <= 80),
        "lambda" => is_arn_of(&s.endpoint, "lambda", |r| {
            r.strip_prefix("function:").is_some_and(|f| !f.is_empty())
        }),
        other => {
            return Some(format!("protocol '{other}' is not one of {PROTOCOLS:?}"));
        }
    };
    (!ok).then(|| {
        let want = match s.protocol.as_str() {
            "email" => "an email address such as ops@example.com",
            "https" => "an https:// URL",
            "sqs" => "an SQS queue ARN such as arn:aws:sqs:us-east-1:123456789012:orders",
            _ => "a Lambda function ARN such as arn:aws:lambda:us-east-1:123456789012:function:notify",
        };
        format!(
            "endpoint '{}' of a {} subscription must be {want}",
            s.endpoint, s.protocol
        )
    })
}

/// The live subscriptions of `arn`: (subscription, its ARN).
async fn live_subscriptions(
    ctx: &Context,
    arn: &str,
) -> Result<Vec<(TopicSubscription, String)>, ResourceError> {
    let mut token: Option<String> = None;
    let mut all = Vec::new();
    loop {
        let out = ctx
            .aws
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(arn)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| aws_error("sns:ListSubscriptionsByTopic", e))?;
        for s in out.subscriptions() {
            all.push((
                TopicSubscription {
                    protocol: s.protocol().unwrap_or_default().to_string(),
                    endpoint: s.endpoint().unwrap_or_default().to_string(),
                },
                s.subscription_arn().unwrap_or_default().to_string(),
            ));
        }
        match out.next_token() {
            Some(t) if !t.is_empty() && token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => break,
        }
    }
    all.sort();
    Ok(all)
}

impl Topic {
    /// Makes the live subscriptions exactly `want` (sorted); returns their ARNs in `want`'s order. A pending
    /// email subscription has no ARN to unsubscribe with: SNS drops it after three days unconfirmed.
    async fn sync_subscriptions(
        ctx: &Context,
        arn: &str,
        want: &[TopicSubscription],
    ) -> Result<Vec<String>, ResourceError> {
        let live = live_subscriptions(ctx, arn).await?;
        for (sub, sub_arn) in &live {
            if want.contains(sub) {
                continue;
            }
            if sub_arn == PENDING_CONFIRMATION || !sub_arn.starts_with("arn:") {
                ctx.warn(format!(
                    "the {} subscription of {} is pending confirmation and cannot be removed; SNS deletes it \
                     after three days unconfirmed",
                    sub.protocol, sub.endpoint
                ));
                continue;
            }
            match ctx
                .aws
                .sns
                .unsubscribe()
                .subscription_arn(sub_arn)
                .send()
                .await
                .map_err(|e| aws_error("sns:Unsubscribe", e))
            {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let mut arns = Vec::with_capacity(want.len());
        for sub in want {
            if let Some((_, a)) = live.iter().find(|(s, _)| s == sub) {
                arns.push(a.clone());
                continue;
            }
            let out = ctx
                .aws
                .sns
                .subscribe()
                .topic_arn(arn)
                .protocol(&sub.protocol)
                .endpoint(&sub.endpoint)
                .return_subscription_arn(true)
                .send()
                .await
                .map_err(|e| aws_error("sns:Subscribe", e))?;
            let a = out.subscription_arn().unwrap_or(PENDING_CONFIRMATION);
            // Without ReturnSubscriptionArn support, a pending subscription comes back as "pending confirmation".
            arns.push(if a.starts_with("arn:") {
                a.to_string()
            } else {
                PENDING_CONFIRMATION.to_string()
            });
        }
        Ok(arns)
    }

    async fn set_kms_key(ctx: &Context, arn: &str, key: Option<&str>) -> Result<(), ResourceError> {
        ctx.aws
            .sns
            .set_topic_attributes()
            .topic_arn(arn)
            .attribute_name("KmsMasterKeyId")
            .attribute_value(key.unwrap_or_default())
            .send()
            .await
            .map_err(|e| aws_error("sns:SetTopicAttributes", e))?;
        Ok(())
    }

    async fn attributes(
        ctx: &Context,
        arn: &str,
    ) -> Result<Option<std::collections::HashMap<String, String>>, ResourceError> {
        match ctx
            .aws
            .sns
            .get_topic_attributes()
            .topic_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("sns:GetTopicAttributes", e))
        {
            Ok(out) => Ok(Some(out.attributes().cloned().unwrap_or_default())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl CustomResource for Topic {
    const TOKEN: &'static str = "orderapi:sns:Topic";
    const DESCRIPTION: &'static str = "An SNS topic with an optional KMS key and its subscriptions (email, https, \
        sqs, lambda) managed authoritatively, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "fifoTopic"];
    /// Topic names are unique per region and account; a replacement keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = TopicInputs;
    type Outputs = TopicOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: TopicInputs,
    ) -> Result<TopicInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let fifo = *inputs.fifo_topic.get_or_insert(false);
        let name = inputs.name.get_or_insert_with(|| {
            let base: String = ctx
                .autoname(if fifo { 251 } else { 256 })
                .chars()
                .map(|c| if is_topic_char(c) { c } else { '-' })
                .collect();
            if fifo { format!("{base}.fifo") } else { base }
        });
        let stem = name.strip_suffix(".fifo");
        f.require(
            (1..=256).contains(&name.len()),
            "name",
            "must be 1-256 characters",
        );
        f.require(
            stem.unwrap_or(name.as_str()).chars().all(is_topic_char) && !stem.is_some_and(str::is_empty),
            "name",
            format!("'{name}' may only contain letters, digits, '-' and '_' (and a FIFO topic's `.fifo` suffix)"),
        );
        f.require(
            stem.is_some() == fifo,
            "name",
            if fifo {
                format!("'{name}': a FIFO topic's name must end in .fifo")
            } else {
                format!("'{name}': only a FIFO topic (fifoTopic: true) may end in .fifo")
            },
        );
        if let Some(key) = &inputs.kms_master_key_id {
            f.require(
                !key.is_empty() && key.len() <= 2048 && !key.chars().any(char::is_whitespace),
                "kmsMasterKeyId",
                "must be a KMS key id, key ARN, alias (alias/...) or alias ARN",
            );
        }
        if let Some(subs) = &mut inputs.subscriptions {
            for s in subs.iter() {
                if let Some(problem) = endpoint_problem(s) {
                    f.push("subscriptions", problem);
                }
            }
            subs.sort();
            let before = subs.len();
            subs.dedup();
            f.require(
                subs.len() == before,
                "subscriptions",
                "lists the same protocol and endpoint twice",
            );
            if fifo {
                f.require(
                    subs.iter().all(|s| s.protocol == "sqs"),
                    "subscriptions",
                    "a FIFO topic can only deliver to SQS queues",
                );
            }
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &TopicInputs,
    ) -> Result<(String, TopicOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let (arn, adopted_tags) = create_once(
            ctx,
            &format!("SNS topic {name}"),
            || async {
                let Some(arn) = find_topic(&ctx.aws, &name).await? else {
                    return Ok(None);
                };
                let live = live_tags(&ctx.aws, &arn).await?;
                match ctx.found(&arn, &live) {
                    Found::Orphan => {
                        ctx.adopting("SNS topic", &arn);
                        Ok(Some((arn, Some(live))))
                    }
                    other => Err(conflict(&format!("an SNS topic named '{name}'"), &other)),
                }
            },
            || async {
                let mut req = ctx
                    .aws
                    .sns
                    .create_topic()
                    .name(&name)
                    .set_tags(Some(sns_tags(&tags)?));
                if inputs.fifo_topic == Some(true) {
                    req = req.attributes("FifoTopic", "true");
                }
                if let Some(key) = &inputs.kms_master_key_id {
                    req = req.attributes("KmsMasterKeyId", key);
                }
                let out = req
                    .send()
                    .await
                    .map_err(|e| aws_error("sns:CreateTopic", e))?;
                Ok((out.topic_arn().unwrap_or_default().to_string(), None))
            },
        )
        .await?
        .into_inner();
        let mut partial = TopicOutputs {
            arn: arn.clone(),
            subscription_arns: Vec::new(),
            tags_all: tags.clone(),
        };
        let steps = async {
            if let Some(live) = &adopted_tags {
                let attrs = Self::attributes(ctx, &arn).await?.unwrap_or_default();
                if attrs.get("KmsMasterKeyId").filter(|k| !k.is_empty())
                    != inputs.kms_master_key_id.as_ref()
                {
                    Self::set_kms_key(ctx, &arn, inputs.kms_master_key_id.as_deref()).await?;
                }
                tags::sync::<SnsTags>(&ctx.aws, &arn, live, &tags).await?;
            }
            let arns = Self::sync_subscriptions(
                ctx,
                &arn,
                inputs.subscriptions.as_deref().unwrap_or_default(),
            )
            .await?;
            Ok::<_, ResourceError>(arns)
        };
        match steps.await {
            Ok(arns) => partial.subscription_arns = arns,
            Err(e) => return Err(e.partial(&arn, &partial)),
        }
        Ok((arn, partial))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&TopicInputs>,
    ) -> Result<Option<(TopicInputs, TopicOutputs)>, ResourceError> {
        let Some(attrs) = Self::attributes(ctx, id).await? else {
            return Ok(None);
        };
        let all = match live_tags(&ctx.aws, id).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) = tags::split(&ctx.aws, all, prior_tags);
        // `Name` is an ordinary tag here (tags::split treats it as EC2's physical name).
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        let subs = live_subscriptions(ctx, id).await?;
        let subscriptions = if subs.is_empty() && prior.is_none_or(|p| p.subscriptions.is_none()) {
            None
        } else {
            Some(subs.iter().map(|(s, _)| s.clone()).collect())
        };
        let inputs = TopicInputs {
            name: id.rsplit(':').next().map(str::to_string),
            fifo_topic: Some(attrs.get("FifoTopic").is_some_and(|v| v == "true")),
            kms_master_key_id: attrs
                .get("KmsMasterKeyId")
                .filter(|k| !k.is_empty())
                .cloned(),
            subscriptions,
            tags: own,
        };
        let outputs = TopicOutputs {
            arn: id.to_string(),
            subscription_arns: subs
                .into_iter()
                .map(|(_, a)| {
                    if a.starts_with("arn:") {
                        a
                    } else {
                        PENDING_CONFIRMATION.to_string()
                    }
                })
                .collect(),
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &TopicInputs,
        old_outputs: &TopicOutputs,
        new: &TopicInputs,
    ) -> Result<TopicOutputs, ResourceError> {
        if old.kms_master_key_id != new.kms_master_key_id {
            Self::set_kms_key(ctx, id, new.kms_master_key_id.as_deref()).await?;
        }
        let subscription_arns =
            Self::sync_subscriptions(ctx, id, new.subscriptions.as_deref().unwrap_or_default())
                .await?;
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<SnsTags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(TopicOutputs {
            arn: old_outputs.arn.clone(),
            subscription_arns,
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &TopicInputs,
        _: &TopicOutputs,
    ) -> Result<(), ResourceError> {
        delete_and_wait(
            ctx,
            &format!("SNS topic {id}"),
            || async {
                ctx.aws
                    .sns
                    .delete_topic()
                    .topic_arn(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("sns:DeleteTopic", e))
            },
            || async { Ok(Self::attributes(ctx, id).await?.is_some()) },
        )
        .await
    }
}
