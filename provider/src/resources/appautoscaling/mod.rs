//! appautoscaling kinds.
