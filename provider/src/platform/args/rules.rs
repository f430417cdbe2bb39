//! Validation rules shared by the argument groups: names, paths, image references, ARNs, integer ranges.

use crate::arn::Arn;
use crate::resource::Failures;

/// An environment variable name ECS and shells accept: a letter or `_`, then letters, digits, `_`.
pub(super) fn is_env_name(name: &str) -> bool {
    name.len() <= 255
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Characters an ALB path pattern may hold besides letters and digits.
const PATH_PATTERN_CHARS: &str = "_-.$/~\"'@:+&*?";

/// An ALB path pattern: starts with `/`, at most 128 characters of `A-Za-z0-9_-.$/~"'@:+&*?` (AWS's set).
pub(super) fn is_path_pattern(p: &str) -> bool {
    p.starts_with('/')
        && p.len() <= 128
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || PATH_PATTERN_CHARS.contains(c))
}

/// A health check path: starts with `/`, at most 1024 printable ASCII characters, no spaces.
pub(super) fn is_health_path(p: &str) -> bool {
    p.starts_with('/') && p.len() <= 1024 && p.chars().all(|c| c.is_ascii_graphic())
}

/// An image URI `registry/repository[:tag|@sha256:digest]` (no spaces, lowercase repository).
pub(super) fn is_image_uri(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.chars().any(char::is_whitespace)
        && !s.starts_with('/')
        && !s.ends_with(':')
        && !s.ends_with('/')
}

/// An image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) or a `sha256:` digest of 64 hex digits.
pub(super) fn is_image_tag(s: &str) -> bool {
    if let Some(hex) = s.strip_prefix("sha256:") {
        return hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    s.len() <= 128
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `arn:<partition>:<service>:<region>:<account>:<resource>` with the given service.
pub(super) fn is_arn(s: &str, service: &str) -> bool {
    Arn::of_service(s, service).is_some()
}

pub(super) fn range(f: &mut Failures, property: &str, value: i32, lo: i32, hi: i32, what: &str) {
    f.require(
        (lo..=hi).contains(&value),
        property,
        format!("{what} must be {lo}-{hi}, got {value}"),
    );
}
