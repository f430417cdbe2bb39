//! iam kinds.
