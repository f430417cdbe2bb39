//! ecs kinds.
