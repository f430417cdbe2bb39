//! Errors of resource operations. Each says what failed (the AWS operation and its error code) and, where there
//! is one, what the user can do; the gRPC layer adds which resource.

use std::time::Duration;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// An AWS API call failed.
    #[error("AWS {operation} failed: {code}: {message}{}", hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Aws {
        operation: &'static str,
        code: String,
        message: String,
        hint: Option<String>,
    },
    /// AWS holds something that conflicts with what the program declares.
    #[error("{0}")]
    Conflict(String),
    /// A wait did not finish within the operation's time budget.
    #[error(
        "timed out waiting for {what} (the operation's timeout was reached; raise it with the `customTimeouts` resource option, then run `pulumi up` again to continue)"
    )]
    Timeout { what: String, after: Duration },
    /// The engine cancelled the operation.
    #[error("cancelled by the engine")]
    Cancelled,
    /// The create or update got half-way: AWS holds `id`; the engine records it with `outputs`.
    #[error("{source}")]
    Partial {
        id: String,
        outputs: serde_json::Value,
        source: Box<ResourceError>,
    },
    /// A bug or an unexpected AWS answer.
    #[error("{0}")]
    Internal(String),
}

impl ResourceError {
    /// The AWS error code, if this is an AWS error.
    pub fn code(&self) -> Option<&str> {
        match self {
            ResourceError::Aws { code, .. } => Some(code),
            ResourceError::Partial { source, .. } => source.code(),
            _ => None,
        }
    }

    /// What kind of failure this is, whatever the service's spelling (see [`ErrorClass`]).
    pub fn class(&self) -> ErrorClass {
        match self {
            ResourceError::Aws {
                operation, code, ..
            } => classify(operation.split(':').next().unwrap_or(""), code),
            ResourceError::Partial { source, .. } => source.class(),
            ResourceError::Conflict(_) => ErrorClass::Conflict,
            _ => ErrorClass::Other,
        }
    }

    /// A one-line account of the failure for status lines: the operation and the code, without the SDK's detail.
    pub fn brief(&self) -> String {
        match self {
            ResourceError::Aws {
                operation, code, ..
            } if code == "RequestFailed" => {
                format!("{operation}: no answer (the request failed in transit)")
            }
            ResourceError::Aws {
                operation, code, ..
            } => format!("{operation}: {code}"),
            ResourceError::Partial { source, .. } => source.brief(),
            other => other.to_string(),
        }
    }

    /// True when AWS says the thing does not exist (any service's spelling of NotFound).
    pub fn is_not_found(&self) -> bool {
        self.class() == ErrorClass::NotFound
    }

    /// Wraps this error as a half-way create/update of `id`, recording `outputs` known so far.
    pub fn partial<T: serde::Serialize>(self, id: &str, outputs: &T) -> ResourceError {
        ResourceError::Partial {
            id: id.to_string(),
            outputs: serde_json::to_value(outputs).unwrap_or(serde_json::Value::Null),
            source: Box::new(self),
        }
    }
}

/// AWS failures by what a caller does about them. Each service spells them its own way; [`classify`] holds the
/// table, so no caller matches on codes or messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// The object does not exist (or no longer does).
    NotFound,
    /// Something still uses the object (a dependency, an attachment); may clear when that goes.
    InUse,
    /// AWS asked to slow down.
    Throttled,
    /// No answer, or a server-side failure: the call may or may not have taken effect.
    Transient,
    /// The credentials may not do this (never retried).
    AccessDenied,
    /// An object with this name (or this unique property) already exists.
    Exists,
    /// Another conflict with what AWS holds.
    Conflict,
    /// Anything else: the request itself is wrong.
    Other,
}

/// Error codes by class, per service where the spelling is the service's own (`service` is the operation's
/// prefix, e.g. `ec2` of `ec2:CreateVpc`), then the spellings every service shares.
pub fn classify(service: &str, code: &str) -> ErrorClass {
    use ErrorClass::*;
    let by_service = match (service, code) {
        ("ec2", "InvalidSubnet.Conflict" | "InvalidGroup.Duplicate" | "RouteAlreadyExists") => {
            Some(Exists)
        }
        (
            "ec2",
            "DependencyViolation"
            | "InvalidIPAddress.InUse"
            | "Resource.AlreadyAssociated"
            | "InvalidNetworkInterface.InUse",
        ) => Some(InUse),
        ("ec2", "Gateway.NotAttached") => Some(NotFound),
        ("iam", "NoSuchEntity") => Some(NotFound),
        ("iam", "EntityAlreadyExists") => Some(Exists),
        ("iam", "DeleteConflict") => Some(InUse),
        ("iam", "ConcurrentModification") => Some(Throttled),
        ("elasticloadbalancing" | "elbv2", "PriorityInUse") => Some(Exists),
        ("elasticloadbalancing" | "elbv2", "ResourceInUse") => Some(InUse),
        ("ssm", "ParameterNotFound") => Some(NotFound),
        ("ssm", "ParameterAlreadyExists") => Some(Exists),
        ("wafv2", "WAFNonexistentItemException") => Some(NotFound),
        ("wafv2", "WAFDuplicateItemException") => Some(Exists),
        ("wafv2", "WAFAssociatedItemException" | "WAFUnavailableEntityException") => Some(InUse),
        ("wafv2", "WAFOptimisticLockException") => Some(Throttled),
        ("ecs", "ClusterContainsServicesException" | "ClusterContainsTasksException") => {
            Some(InUse)
        }
        ("ecs", "ServiceNotActiveException") => Some(NotFound),
        ("ecs", "ClusterContainsContainerInstancesException" | "UpdateInProgressException") => {
            Some(InUse)
        }
        (
            "rds",
            "InvalidDBClusterStateFault"
            | "InvalidDBInstanceState"
            | "InvalidDBSubnetGroupStateFault"
            | "InvalidDBSubnetStateFault",
        ) => Some(InUse),
        ("secretsmanager", "InvalidRequestException") => None,
        ("logs", "OperationAbortedException") => Some(Throttled),
        ("sns", "ConcurrentAccess" | "Throttled") => Some(Throttled),
        ("application-autoscaling", "ConcurrentUpdateException") => Some(Throttled),
        ("kms", "KMSInternalException" | "DependencyTimeoutException") => Some(Transient),
        ("kms", "KMSInvalidStateException" | "DisabledException") => Some(Conflict),
        // S3 bucket names are global: AlreadyOwnedByYou is this account's bucket (look it up, maybe adopt it),
        // AlreadyExists another account's (a conflict no retry or lookup resolves).
        ("s3", "BucketAlreadyOwnedByYou") => Some(Exists),
        ("s3", "BucketAlreadyExists") => Some(Conflict),
        ("s3", "BucketNotEmpty") => Some(InUse),
        // "A conflicting conditional operation is currently in progress against this resource": a create or
        // delete of the same bucket name is still settling.
        ("s3", "OperationAborted") => Some(Throttled),
        _ => None,
    };
    if let Some(class) = by_service {
        return class;
    }
    match code {
        "RequestFailed"
        | "InternalError"
        | "InternalFailure"
        | "InternalServerError"
        | "InternalServiceError"
        | "InternalServerException"
        | "ServiceUnavailable"
        | "ServiceUnavailableException"
        | "ServiceException"
        | "ServerException"
        | "RequestTimeout"
        | "RequestTimeoutException"
        | "Unavailable" => Transient,
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException"
        | "RequestThrottled"
        | "RequestThrottledException"
        | "SlowDown"
        | "PriorRequestNotComplete"
        | "ProvisionedThroughputExceededException"
        | "ConcurrentModificationException" => Throttled,
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthFailure"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "SignatureDoesNotMatch"
        | "MissingAuthenticationToken" => AccessDenied,
        c if c.contains("NotFound")
            || c.starts_with("NoSuch")
            || c.contains("Nonexistent")
            || (c.contains("Malformed") && c.contains("Id")) =>
        {
            NotFound
        }
        c if c.contains("AlreadyExists")
            || c.starts_with("Duplicate")
            || c.contains("Duplicate") =>
        {
            Exists
        }
        c if c.contains("InUse") || c.contains("DependencyViolation") => InUse,
        _ => Other,
    }
}

/// Converts an SDK error of `operation` (e.g. `ec2:CreateVpc`) into a [`ResourceError`] with a hint.
pub fn aws_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> ResourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let (code, message) = match (err.code(), err.message()) {
        (Some(code), message) => (code.to_string(), message.unwrap_or("").to_string()),
        (None, _) => (
            "RequestFailed".to_string(),
            DisplayErrorContext(&err).to_string(),
        ),
    };
    let hint = hint_for(&code, &err);
    ResourceError::Aws {
        operation,
        code,
        message,
        hint,
    }
}

fn hint_for<E, R>(code: &str, err: &SdkError<E, R>) -> Option<String> {
    let hint = match code {
        "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException" => {
            "the credentials lack this permission; grant it to the IAM principal Pulumi runs as"
        }
        "AuthFailure" | "InvalidClientTokenId" | "UnrecognizedClientException" | "ExpiredToken" => {
            "check the AWS credentials (environment, profile or SSO session) the provider uses"
        }
        "RequestLimitExceeded" | "Throttling" | "ThrottlingException" => {
            "AWS kept throttling after the SDK's retries; run `pulumi up` again, or raise `orderapi:maxRetries`"
        }
        c if c.ends_with("LimitExceeded") || c.contains("QuotaExceeded") => {
            "an account quota was reached; request an increase in Service Quotas or free capacity"
        }
        _ => match err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                "the AWS endpoint could not be reached; check network access and the `orderapi:endpoint`/`orderapi:region` settings"
            }
            _ => return None,
        },
    };
    Some(hint.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorClass::*;

    #[test]
    fn each_services_spelling_lands_in_one_class() {
        let table = [
            ("ec2", "InvalidVpcID.NotFound", NotFound),
            ("ec2", "InvalidSubnetID.Malformed", Other),
            ("ec2", "InvalidRouteTableId.Malformed", NotFound),
            ("ec2", "DependencyViolation", InUse),
            ("ec2", "InvalidSubnet.Conflict", Exists),
            ("ec2", "InvalidPermission.Duplicate", Exists),
            ("ec2", "RouteAlreadyExists", Exists),
            ("ec2", "RequestLimitExceeded", Throttled),
            ("ec2", "AuthFailure", AccessDenied),
            ("ec2", "Gateway.NotAttached", NotFound),
            ("iam", "NoSuchEntity", NotFound),
            ("iam", "EntityAlreadyExists", Exists),
            ("iam", "DeleteConflict", InUse),
            ("ssm", "ParameterAlreadyExists", Exists),
            ("ssm", "ParameterNotFound", NotFound),
            ("rds", "DBInstanceAlreadyExists", Exists),
            ("rds", "DBClusterNotFoundFault", NotFound),
            ("rds", "InvalidDBSubnetGroupStateFault", InUse),
            ("wafv2", "WAFNonexistentItemException", NotFound),
            ("wafv2", "WAFOptimisticLockException", Throttled),
            ("wafv2", "WAFDuplicateItemException", Exists),
            ("elasticloadbalancing", "PriorityInUse", Exists),
            ("elasticloadbalancing", "DuplicateTargetGroupName", Exists),
            ("logs", "ResourceAlreadyExistsException", Exists),
            ("ecr", "RepositoryNotFoundException", NotFound),
            ("ecs", "ClusterContainsServicesException", InUse),
            ("s3", "BucketAlreadyOwnedByYou", Exists),
            ("s3", "BucketAlreadyExists", Conflict),
            ("s3", "BucketNotEmpty", InUse),
            ("s3", "OperationAborted", Throttled),
            ("s3", "NoSuchBucket", NotFound),
            ("s3", "NoSuchTagSet", NotFound),
            ("s3", "NoSuchBucketPolicy", NotFound),
            ("s3", "NoSuchLifecycleConfiguration", NotFound),
            (
                "s3",
                "ServerSideEncryptionConfigurationNotFoundError",
                NotFound,
            ),
            ("s3", "OwnershipControlsNotFoundError", NotFound),
            ("s3", "SlowDown", Throttled),
            ("sns", "InternalError", Transient),
            ("kms", "NotFoundException", NotFound),
            ("kms", "AlreadyExistsException", Exists),
            ("kms", "KMSInvalidStateException", Conflict),
            ("kms", "DependencyTimeoutException", Transient),
            ("any", "RequestFailed", Transient),
            ("any", "ServiceUnavailable", Transient),
            ("any", "ThrottlingException", Throttled),
            ("any", "ValidationError", Other),
        ];
        for (service, code, class) in table {
            assert_eq!(classify(service, code), class, "{service}:{code}");
        }
    }

    #[test]
    fn partial_and_conflict_errors_keep_their_class() {
        let aws = ResourceError::Aws {
            operation: "rds:CreateDBCluster",
            code: "DBClusterAlreadyExistsFault".into(),
            message: String::new(),
            hint: None,
        };
        assert_eq!(aws.class(), Exists);
        let partial = aws.partial("c-1", &serde_json::json!({}));
        assert_eq!(partial.class(), Exists);
        assert_eq!(ResourceError::Conflict("x".into()).class(), Conflict);
        assert_eq!(ResourceError::Cancelled.class(), Other);
    }
}
