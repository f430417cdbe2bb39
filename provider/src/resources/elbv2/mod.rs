//! elbv2 kinds.
