//! logs kinds.
