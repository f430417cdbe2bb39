//! wafv2 kinds.
