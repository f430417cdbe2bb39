//! ecr kinds.
